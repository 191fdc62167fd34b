import Database from 'better-sqlite3'
import {
  closeSync,
  constants,
  copyFileSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {AccessctlError, ConflictError, StoreError, UsageError} from '../errors.js'
import {nativeBinding} from './native-binding.js'
import {COMPANION_SUFFIXES, describeFsError} from './private-files.js'
import {asStoreError, type Store} from './store.js'

/**
 * Copies the store to `target` (absolute, taken literally) with SQLite's online backup API: readers and writers
 * carry on, and the copy is one consistent snapshot. The copy is private from its first byte and never replaces
 * anything: it is written in a fresh 0700 folder beside the destination, made self-contained (rollback journal, so
 * no -wal is needed to read it, even on a read-only mount), then linked into place with link(2), which fails if the
 * destination appeared meanwhile (a rename would overwrite it). Returns the number of pages copied.
 *
 * The folder holds a full copy of the store, signing keys included, so nothing may outlive the backup: it is removed
 * when the backup ends, whichever way, and on SIGINT, SIGTERM or SIGHUP before the process dies of it. A SIGKILL (or
 * a power cut) cannot be caught, so the folder is named after the process (`.accessctl-backup-PID-XXXXXX`) and every
 * later backup to the same folder first removes those of processes that are gone (sweepStaleBackups).
 */
export async function writeBackup(store: Store, target: string): Promise<number> {
  const folder = dirname(target)
  requireFolder(folder, target)
  refuseStoreFiles(target, store.path)
  refuseExisting(target)
  sweepStaleBackups(folder)

  let staging: string | undefined
  const removeStaging = () => {
    if (staging) rmSync(staging, {recursive: true, force: true})
    staging = undefined
  }

  const release = removeOnSignal(removeStaging)
  try {
    staging = mkdtempSync(join(folder, `${STAGING_PREFIX}${process.pid}-`))
    const copy = join(staging, 'backup.db')
    closeSync(openSync(copy, 'wx', 0o600))
    const progress = await store.db.backup(copy)
    makeSelfContained(copy)
    publish(copy, target)
    return progress.totalPages
  } catch (error) {
    if (error instanceof AccessctlError) throw error
    const stored = asStoreError(error, target)
    const reason = stored instanceof StoreError ? stored.message : describeFsError(error)
    throw new StoreError(`cannot write the backup to ${target}: ${reason}`, {cause: error})
  } finally {
    removeStaging()
    release()
  }
}

const STAGING_PREFIX = '.accessctl-backup-'
/** A staging folder of this version: the prefix, the pid of the process that made it, and mkdtemp's six characters. */
const STAGING_NAME = /^\.accessctl-backup-([1-9][0-9]{0,9})-[A-Za-z0-9]{6}$/
/** One of a version that did not name them after their process: mkdtemp's six characters only. */
const LEGACY_STAGING_NAME = /^\.accessctl-backup-[A-Za-z0-9]{6}$/
/** A legacy folder untouched this long belongs to no running backup (a backup writes its copy as it goes). */
const LEGACY_STALE_MS = 24 * 60 * 60 * 1000
const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const

/**
 * Runs `cleanup` if the process is told to stop (or exits) before `release` is called, then lets the signal do what
 * it would have done: with no other listener, the process dies of it (exit status 128 + the signal's number).
 */
function removeOnSignal(cleanup: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup()
    release()
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
  }

  const release = () => {
    for (const signal of CLEANUP_SIGNALS) process.removeListener(signal, onSignal)
    process.removeListener('exit', cleanup)
  }

  for (const signal of CLEANUP_SIGNALS) process.once(signal, onSignal)
  process.once('exit', cleanup)
  return release
}

/** Whether a process with this pid exists (EPERM: it does, as another user's). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the staging folders that interrupted backups left in `folder`: only entries whose name is exactly a
 * staging folder's, that are folders (never a symbolic link, never followed), that belong to this user, and whose
 * process is gone (or, for a folder of an older version without a pid, that nothing touched for a day). A folder
 * that cannot be looked at or removed is left as it is: the backup itself does not depend on it. Returns the names
 * removed.
 */
export function sweepStaleBackups(folder: string, now = Date.now()): string[] {
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch {
    return []
  }

  const removed: string[] = []
  for (const name of names) {
    const match = STAGING_NAME.exec(name)
    if (!match && !LEGACY_STAGING_NAME.test(name)) continue
    const path = join(folder, name)
    try {
      const stats = lstatSync(path)
      if (!stats.isDirectory() || stats.uid !== process.getuid?.()) continue
      if (match) {
        const pid = Number(match[1])
        if (pid === process.pid || isRunning(pid)) continue
      } else if (now - newestChange(path, stats) < LEGACY_STALE_MS) {
        continue
      }

      rmSync(path, {recursive: true, force: true})
      removed.push(name)
    } catch {
      // Gone meanwhile, or not ours to remove: left as it is.
    }
  }

  return removed
}

/** The latest change to a staging folder or the copy in it, in milliseconds. */
function newestChange(path: string, stats: {mtimeMs: number}): number {
  try {
    return Math.max(stats.mtimeMs, lstatSync(join(path, 'backup.db')).mtimeMs)
  } catch {
    return stats.mtimeMs
  }
}

function requireFolder(folder: string, target: string): void {
  let stats
  try {
    stats = statSync(folder)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new UsageError(`the folder of the backup destination ${target} does not exist`)
    if (code === 'ENOTDIR') throw new UsageError(`the backup destination ${target} is inside a file, not a folder`)
    throw new StoreError(`cannot write the backup to ${target}: ${describeFsError(error)}`, {cause: error})
  }

  if (!stats.isDirectory()) throw new UsageError(`the backup destination ${target} is inside a file, not a folder`)
}

/** The destination, spelled any way (through a symlinked folder too), must not be the store or one of its files. */
function refuseStoreFiles(target: string, storePath: string): void {
  const where = (path: string) => join(realpathSync(dirname(path)), basename(path))
  let store: string
  try {
    store = realpathSync(storePath)
  } catch {
    store = where(storePath)
  }

  const spelled = where(target)
  if ([store, ...COMPANION_SUFFIXES.map((suffix) => `${store}${suffix}`)].includes(spelled)) {
    throw new UsageError(`the backup destination ${target} is the store itself, or one of its files`, {
      hint: 'Choose a new file, outside the store, for the backup.',
    })
  }
}

/** lstat, not exists: a dangling symlink "does not exist" for existsSync, and SQLite would write where it points. */
function refuseExisting(target: string): void {
  let stats
  try {
    stats = lstatSync(target)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new StoreError(`cannot write the backup to ${target}: ${describeFsError(error)}`, {cause: error})
  }

  const what = stats.isSymbolicLink() ? 'a symbolic link' : stats.isDirectory() ? 'a folder' : 'a file'
  throw new ConflictError(`${target} exists already (${what}); choose a new file for the backup`, {
    hint: 'A backup never replaces anything, whatever is at its destination.',
  })
}

/**
 * A copy of a WAL store is marked WAL too, and reading it would need -wal and -shm beside it (impossible on a
 * read-only mount). Switching the copy to the rollback journal makes it one file.
 */
function makeSelfContained(copy: string): void {
  const binding = nativeBinding() as string | undefined
  const db = new Database(copy, {fileMustExist: true, nativeBinding: binding})
  try {
    db.pragma('journal_mode = DELETE')
  } finally {
    db.close()
  }

  const fd = openSync(copy, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Puts the finished copy at `target` without ever replacing what may have appeared there meanwhile. */
function publish(copy: string, target: string): void {
  try {
    linkSync(copy, target)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') throw existsMeanwhile(target)
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS' && code !== 'EMLINK') throw error
    // A file system without hard links: an exclusive copy still never replaces anything (it is 0600, as its source).
    try {
      copyFileSync(copy, target, constants.COPYFILE_EXCL)
    } catch (copyError) {
      if ((copyError as NodeJS.ErrnoException).code === 'EEXIST') throw existsMeanwhile(target)
      throw copyError
    }
  }

  try {
    const fd = openSync(dirname(target), 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {
    // The backup is in place; a folder that cannot be synced (some network file systems) does not undo that.
  }
}

function existsMeanwhile(target: string): ConflictError {
  return new ConflictError(`${target} appeared while the backup was written; it was left as it is`, {
    hint: 'Choose a new file for the backup.',
  })
}
