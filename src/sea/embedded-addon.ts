import {createHash} from 'node:crypto'
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {basename, dirname, join} from 'node:path'
import {getRawAsset} from 'node:sea'

import {StoreError} from '../errors.js'
import {isOwnRegularFile, isPrivateFolder, isSafePath} from './private-folder.js'

/** The SEA asset key of better-sqlite3's addon (scripts/build-binary.mjs puts it there). */
export const ADDON_ASSET = 'better_sqlite3.node'

/** `${XDG_CACHE_HOME:-~/.cache}/accessctl`: where the executable keeps the addon it extracted from itself. */
export function addonCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.trim() !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(cacheHome, 'accessctl')
}

/** An open addon file whose content was checked to be the embedded addon. */
interface VerifiedAddon {
  fd: number
  path: string
}

/**
 * Loads better-sqlite3's addon out of the executable. `dlopen` needs a real file, so the asset is written once to
 * `<cache>/<sha256>.node`: named by content so that another build (or another Node ABI) never picks up a stale one,
 * and written to a temp file then renamed, so two first runs at once each rename a complete file into place.
 *
 * `dlopen` runs the library's constructors, so what it loads must be the addon and nothing another user put there:
 * the cache folder is used only when it passes the rules of ./private-folder.ts, the file is opened without following
 * links, hashed and compared with `sha256` (the build's hash of the asset), and the very descriptor that was hashed
 * is loaded. A file that does not match is replaced, never loaded. When the cache folder is unusable (another
 * user's, writable by others, read-only HOME, HOME=/ in a container), the addon goes to a private temporary folder
 * removed once it is loaded.
 */
export function loadEmbeddedAddon(sha256: string, env: NodeJS.ProcessEnv = process.env): object {
  const uid = process.geteuid!()
  const expectedSize = (getRawAsset(ADDON_ASSET) as ArrayBuffer).byteLength
  const folder = usableCacheFolder(addonCacheDir(env), uid)
  if (folder) {
    const file = join(folder, `${sha256}.node`)
    const addon = openVerified(file, sha256, expectedSize, uid) ?? extractAndOpenQuietly(file, sha256, expectedSize, uid)
    // The cache folder passed the rules, so loading by path (when /proc is missing) loads what was verified.
    if (addon) return dlopenVerified(addon, () => true)
  }

  return loadFromTemporaryFolder(sha256, expectedSize, uid)
}

/**
 * The cache folder, made if missing, or undefined when it must not be used. Missing folders are made only below a
 * folder that passes the rules, so nothing is written into a folder that others may write.
 */
function usableCacheFolder(candidate: string, uid: number): string | undefined {
  try {
    const parent = dirname(candidate)
    if (!existsSync(parent)) {
      if (!isSafePath(realpathSync.native(nearestExisting(parent)), uid, lstatSync)) return undefined
      mkdirSync(parent, {recursive: true, mode: 0o700})
    }

    // The parent may be reached through links (a HOME on another disk): its real path is what must be safe. The
    // folder itself is lstat'ed, never followed.
    const realParent = realpathSync.native(parent)
    if (!isSafePath(realParent, uid, lstatSync)) return undefined
    const folder = join(realParent, basename(candidate))
    if (!existsSync(folder)) mkdirSync(folder, {mode: 0o700})
    return isPrivateFolder(lstatSync(folder), uid) ? folder : undefined
  } catch {
    // Unreadable, unwritable or not a folder: the temporary folder still works.
    return undefined
  }
}

function nearestExisting(path: string): string {
  let current = path
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current)
  return current
}

/**
 * The file opened, when it is the embedded addon: a regular file (O_NOFOLLOW: a link is refused, not followed;
 * O_NONBLOCK: a planted FIFO cannot hang the open) of the user's that nobody else may write, of the asset's size
 * and SHA-256. Otherwise undefined, and nothing of it was loaded.
 */
function openVerified(file: string, sha256: string, expectedSize: number, uid: number): VerifiedAddon | undefined {
  let fd: number
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch {
    return undefined
  }

  try {
    const stat = fstatSync(fd)
    if (isOwnRegularFile(stat, uid) && stat.size === expectedSize && sha256OfOpenFile(fd, stat.size) === sha256) {
      return {fd, path: file}
    }
  } catch {
    // Unreadable: handled as not the addon.
  }

  closeSync(fd)
  return undefined
}

function sha256OfOpenFile(fd: number, size: number): string {
  const content = Buffer.allocUnsafe(size)
  let read = 0
  while (read < size) {
    const count = readSync(fd, content, read, size - read, read)
    if (count === 0) break
    read += count
  }

  return createHash('sha256').update(content.subarray(0, read)).digest('hex')
}

/**
 * Writes the asset to `file` (a temp file renamed over whatever is there: a planted file or link is replaced, never
 * written through) and opens it verified: undefined when what is then found there is not the addon.
 */
function extractAndOpen(file: string, sha256: string, expectedSize: number, uid: number): VerifiedAddon | undefined {
  // Unique per process and attempt; 'wx' (O_EXCL) refuses an existing name, links included.
  const temp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    writeFileSync(temp, new Uint8Array(getRawAsset(ADDON_ASSET) as ArrayBuffer), {mode: 0o700, flag: 'wx'})
    renameSync(temp, file)
  } catch (error) {
    removeQuietly(temp)
    throw error
  }

  return openVerified(file, sha256, expectedSize, uid)
}

/** In the cache folder a failure (full disk, read-only file system) is not an error: the temporary folder is next. */
function extractAndOpenQuietly(file: string, sha256: string, expectedSize: number, uid: number): VerifiedAddon | undefined {
  try {
    return extractAndOpen(file, sha256, expectedSize, uid)
  } catch {
    return undefined
  }
}

/**
 * The fallback: a folder made by mkdtemp (0700, the user's) for this run only, removed as soon as the addon is
 * loaded (a loaded library no longer needs its file), so nothing is left even when the process is killed later.
 */
function loadFromTemporaryFolder(sha256: string, expectedSize: number, uid: number): object {
  let folder: string | undefined
  try {
    let addon: VerifiedAddon | undefined
    try {
      folder = mkdtempSync(join(tmpdir(), 'accessctl-'))
      addon = extractAndOpen(join(folder, `${sha256}.node`), sha256, expectedSize, uid)
    } catch (error) {
      throw cannotExtract(folder ?? tmpdir(), error as Error)
    }

    if (!addon) throw cannotExtract(folder, new Error('the extracted file is not the addon'))
    const temporaryFolder = folder
    return dlopenVerified(addon, () => isSafePath(realpathSync.native(temporaryFolder), uid, lstatSync))
  } finally {
    if (folder) removeQuietly(folder)
  }
}

/**
 * dlopen of the very file that was hashed, through its descriptor: whatever was renamed into its place since is not
 * what gets loaded. Without /proc, the path is loaded, and only from a folder nobody else may change.
 */
function dlopenVerified(addon: VerifiedAddon, folderIsSafe: () => boolean): object {
  try {
    let path = `/proc/self/fd/${addon.fd}`
    if (!existsSync(path)) {
      if (!folderIsSafe()) throw cannotExtract(dirname(addon.path), new Error('no /proc to load it from, and its folder is not private'))
      path = addon.path
    }

    const module = {exports: {}}
    process.dlopen(module, path)
    return module.exports
  } finally {
    closeSync(addon.fd)
  }
}

// Without its addon no store can be opened: reported like any other unusable store (exit 6).
function cannotExtract(folder: string, error: Error): StoreError {
  return new StoreError(`cannot extract the SQLite addon to ${folder}: ${error.message}`, {
    cause: error,
    hint:
      'The executable keeps its SQLite addon in $XDG_CACHE_HOME/accessctl (a folder of yours nobody else may write), ' +
      'else in a temporary folder under $TMPDIR: make one of them usable.',
  })
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, {recursive: true, force: true})
  } catch {
    // The folder itself is unusable: the error that matters is the one being reported.
  }
}
