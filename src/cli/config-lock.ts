import {closeSync, constants, fstatSync, lstatSync, openSync, readSync, rmSync, writeSync} from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'

import {preview} from '../core/text.js'
import {ConflictError, UsageError} from '../errors.js'
import {describeFsError, shellQuote} from '../store/private-files.js'

/**
 * The lock that makes a change of the contexts file read, change and write it as one step: without it, two
 * `config set-context` at the same moment each read the old file and the second write drops the first one's context.
 * The lock is a file beside the config file, created with O_EXCL (so one process wins), 0600, holding its pid. A
 * change takes milliseconds, so a lock whose process is gone, or that is older than a minute, was left by a process
 * that died holding it (a SIGKILL, a power cut) and is taken over rather than waited for.
 */

/** How long a change waits for another one to finish before it gives up with exit 5. */
export const CONFIG_LOCK_WAIT_MS = 5000
/** No change holds the lock this long: a lock this old is a dead process's. */
const ABANDONED_AFTER_MS = 60_000
const RETRY_MS = 25

export function configLockPath(configFile: string): string {
  return `${configFile}.lock`
}

/**
 * Runs `change` holding the lock of `configFile`, whose folder must exist and have been checked (it is this user's
 * and no one else may write it, so no other user can plant or remove the lock). The lock is removed however
 * `change` ends.
 */
export async function withConfigLock<T>(configFile: string, change: () => Promise<T> | T): Promise<T> {
  const lock = configLockPath(configFile)
  const deadline = Date.now() + CONFIG_LOCK_WAIT_MS
  for (;;) {
    if (tryCreateLock(lock)) break
    const holder = lockHolder(lock)
    if (holder.abandoned) {
      removeIfSame(lock, holder.inode)
      continue
    }

    if (Date.now() >= deadline) {
      throw new ConflictError(
        `another accessctl${holder.pid === undefined ? '' : ` (pid ${holder.pid})`} has been changing the config file ${preview(configFile, 200)} for over ${CONFIG_LOCK_WAIT_MS / 1000} s`,
        {hint: `Try again when it is done. If no accessctl is running, remove the lock: rm ${shellQuote(lock)}`},
      )
    }

    await sleep(RETRY_MS + Math.floor(Math.random() * RETRY_MS))
  }

  try {
    return await change()
  } finally {
    rmSync(lock, {force: true})
  }
}

function tryCreateLock(lock: string): boolean {
  let fd: number
  try {
    // O_EXCL with O_CREAT also fails on a symbolic link in its place, dangling or not: it is never followed.
    fd = openSync(lock, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new UsageError(`cannot lock the config file for a change: ${describeFsError(error)}`, {hint: `The lock is ${lock}.`})
  }

  try {
    writeSync(fd, `${process.pid}\n`)
  } finally {
    closeSync(fd)
  }

  return true
}

interface LockHolder {
  pid?: number
  /** Its process is gone, or it is too old to be a live change's. */
  abandoned: boolean
  /** The lock file looked at, so that only that one is removed, not one a third process made since. */
  inode?: number
}

function lockHolder(lock: string): LockHolder {
  let fd: number
  try {
    fd = openSync(lock, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // Removed between our attempt and this look: try again at once.
    if (code === 'ENOENT') return {abandoned: false}
    if (code === 'ELOOP') {
      throw new UsageError(`the config file's lock ${preview(lock, 200)} is a symbolic link, which accessctl never makes`, {hint: `Remove it: rm ${shellQuote(lock)}`})
    }

    throw new UsageError(`cannot read the config file's lock ${preview(lock, 200)}: ${describeFsError(error)}`)
  }

  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new UsageError(`the config file's lock ${preview(lock, 200)} is not a regular file`, {hint: `rm -r ${shellQuote(lock)}`})
    const buffer = Buffer.alloc(32)
    const text = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8')
    const pid = /^[1-9]\d{0,9}\n$/.test(text) ? Number(text.trim()) : undefined
    const age = Date.now() - stats.mtimeMs
    // A lock without its pid yet is being made this moment, unless it has been so for a while.
    const gone = pid === undefined ? age > 1000 : !processExists(pid)
    return {pid, abandoned: gone || age > ABANDONED_AFTER_MS, inode: stats.ino}
  } finally {
    closeSync(fd)
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but is another user's (a pid reused since); only ESRCH says it is gone.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

function removeIfSame(lock: string, inode: number | undefined): void {
  if (inode === undefined) return
  try {
    if (lstatSync(lock).ino === inode) rmSync(lock, {force: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}
