import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  type Stats,
  statSync,
} from 'node:fs'
import {basename, dirname, join, resolve} from 'node:path'

import {StoreError, UsageError} from '../errors.js'

export type Warn = (text: string) => void

/** Printed on stderr, never stdout: stdout is the command's result and, with --json, one document. */
export const warnOnStderr: Warn = (text) => {
  process.stderr.write(`Warning: ${text}\n`)
}

/**
 * The absolute path of `path`, taken literally. better-sqlite3 trims white space (JavaScript's trim: spaces, tabs,
 * newlines, no-break spaces, BOM) from both ends of a file name before SQLite sees it, so "other.db " would open or
 * overwrite other.db; such a path cannot be used literally and is refused (exit 2), never silently altered.
 * Leading white space is harmless once the path is absolute: it is then inside the name.
 */
export function literalPath(path: string, what: string): string {
  if (path === '') throw new UsageError(`the ${what} cannot be empty`)
  if (path.includes('\u0000')) throw new UsageError(`the ${what} ${JSON.stringify(path)} contains a NUL byte`)
  const absolute = resolve(path)
  if (absolute !== absolute.trim()) {
    throw new UsageError(
      `the ${what} ${JSON.stringify(path)} ends in white space, which SQLite would drop: accessctl takes paths literally`,
      {hint: 'Remove the white space at the end of the path, or rename the file so that its name does not end in it.'},
    )
  }

  return absolute
}

/** The files SQLite keeps beside the store, holding the same rows (the signing keys among them). */
export const COMPANION_SUFFIXES = ['-wal', '-shm', '-journal'] as const

const LOOSE_FILE_BITS = 0o077
const LOOSE_FOLDER_BITS = 0o022
const STICKY_BIT = 0o1000
const MAX_SYMLINKS = 40

/**
 * Makes the store's files private before SQLite writes a byte to them, whatever the path and the umask: the folder
 * exists (created 0700), no folder on the way may be written by others, the store file exists as a regular file
 * 0600 (created through a dangling symlink if need be), and an existing -wal, -shm or -journal is a regular file
 * 0600. The -wal, -shm and -journal SQLite creates later take the store file's mode (its unix VFS copies it), so
 * the umask never widens them. Loose modes are repaired with a warning when this user owns the file or folder, and refused otherwise, as
 * ssh refuses a private key that others can read. A folder that others may only read is accepted: every file in
 * it is 0600.
 */
export function preparePrivateStore(path: string, warn: Warn): void {
  try {
    createFolder(dirname(path))
    const real = finalPath(path)
    for (const folder of new Set([dirname(path), dirname(real)])) guardFolder(folder, warn)
    openPrivateFile(real, path, warn)
    for (const suffix of COMPANION_SUFFIXES) guardCompanion(`${real}${suffix}`, warn)
  } catch (error) {
    if (error instanceof StoreError || error instanceof UsageError) throw error
    throw new StoreError(`cannot create the store at ${path}: ${describeFsError(error)}`, {
      cause: error,
      hint: 'Choose a writable location with --store PATH or ACCESSCTL_STORE.',
    })
  }
}

function createFolder(folder: string): void {
  try {
    statSync(folder)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    mkdirSync(folder, {recursive: true, mode: 0o700})
    chmodSync(folder, 0o700)
  }
}

/** Where the store's bytes live: `path` with every symbolic link followed, also a dangling one. */
function finalPath(path: string): string {
  let candidate = join(realpathSync(dirname(path)), basename(path))
  for (let hops = 0; hops < MAX_SYMLINKS; hops++) {
    let stats: Stats
    try {
      stats = lstatSync(candidate)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return candidate
      throw error
    }

    if (!stats.isSymbolicLink()) return candidate
    const target = resolve(dirname(candidate), readlinkSync(candidate))
    candidate = join(realpathSync(dirname(target)), basename(target))
  }

  throw Object.assign(new Error('too many levels of symbolic links'), {code: 'ELOOP'})
}

function guardFolder(folder: string, warn: Warn): void {
  const stats = statSync(folder)
  if ((stats.mode & LOOSE_FOLDER_BITS) === 0) return
  if ((stats.mode & STICKY_BIT) !== 0) {
    // A sticky folder (/tmp, /var/tmp) is shared on purpose: making it private would break every other user of it,
    // even when root owns it and could.
    throw new StoreError(`the store's folder ${folder} is shared with other users (mode ${octal(stats.mode, 0o7777)})`, {
      hint: 'Keep the store in a folder of its own, e.g. --store /tmp/accessctl/store.db (created 0700).',
    })
  }

  repairOrRefuse({kind: 'folder', path: folder, stats, wanted: 0o700, change: (mode) => chmodSync(folder, mode)}, warn)
}

function openPrivateFile(real: string, given: string, warn: Warn): void {
  let fd: number
  try {
    // O_NONBLOCK: a FIFO or a device in place of the store must not hang the open; it is refused just below.
    fd = openSync(real, constants.O_RDWR | constants.O_CREAT | constants.O_NONBLOCK, 0o600)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EISDIR') throw new StoreError(`store path ${given} is a directory, not a file`)
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw error
    // A store this user may only read is still checked here; SQLite then reports it read-only.
    try {
      fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK)
    } catch {
      throw error
    }
  }

  try {
    const stats = fstatSync(fd)
    if (stats.isDirectory()) throw new StoreError(`store path ${given} is a directory, not a file`)
    if (!stats.isFile()) {
      throw new StoreError(`store path ${given} is not a regular file`, {
        hint: 'Point --store at a regular file, or at a path that does not exist yet.',
      })
    }

    if ((stats.mode & LOOSE_FILE_BITS) !== 0) {
      repairOrRefuse({kind: 'file', path: real, stats, wanted: 0o600, change: (mode) => fchmodSync(fd, mode)}, warn)
    }
  } finally {
    closeSync(fd)
  }
}

function guardCompanion(path: string, warn: Warn): void {
  let stats: Stats
  try {
    stats = lstatSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }

  if (stats.isSymbolicLink() || !stats.isFile()) {
    throw new StoreError(`${path}, beside the store, is ${stats.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}`, {
      hint: 'SQLite would write the store there: remove it if no accessctl is running.',
    })
  }

  if ((stats.mode & LOOSE_FILE_BITS) === 0) return
  repairOrRefuse({kind: 'file', path, stats, wanted: 0o600, change: (mode) => chmodSync(path, mode)}, warn)
}

interface Loose {
  kind: 'file' | 'folder'
  path: string
  stats: Stats
  wanted: number
  change: (mode: number) => void
}

function repairOrRefuse({kind, path, stats, wanted, change}: Loose, warn: Warn): void {
  const was = octal(stats.mode)
  const subject = kind === 'file' ? `the store file ${path}` : `the store's folder ${path}`
  const exposure = kind === 'file' ? 'open to other users' : 'writable by other users'
  const hint = `As its owner, run: chmod ${wanted.toString(8)} ${shellQuote(path)} (or move the store to a private folder of its own).`
  if (stats.uid !== process.getuid?.()) {
    throw new StoreError(
      `${subject} is ${exposure} (mode ${was}), and repairing it is not permitted: it belongs to uid ${stats.uid}`,
      {hint},
    )
  }

  try {
    change(wanted)
  } catch (error) {
    throw new StoreError(`${subject} is ${exposure} (mode ${was}) and could not be repaired: ${describeFsError(error)}`, {
      cause: error,
      hint,
    })
  }

  warn(`${subject} was ${exposure} (mode ${was}); accessctl set it to ${octal(wanted)}.`)
}

/** A file mode as chmod takes it: 0644. */
export function octal(mode: number, bits = 0o777): string {
  return (mode & bits).toString(8).padStart(4, '0')
}

/** A path as a shell reads it back in a suggested command: quoted only when it needs to be. */
export function shellQuote(path: string): string {
  return /^[\w./@%+=:,-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'EACCES':
    case 'EPERM': {
      return 'permission denied'
    }

    case 'ELOOP': {
      return 'too many levels of symbolic links'
    }

    case 'ENOENT': {
      return 'a folder on the way does not exist'
    }

    case 'ENOSPC': {
      return 'the disk is full'
    }

    case 'ENOTDIR': {
      return 'a part of the path is a file, not a folder'
    }

    case 'EROFS': {
      return 'the file system is read-only'
    }

    default: {
      return (error as Error).message
    }
  }
}
