import {chmodSync, closeSync, constants, fstatSync, mkdirSync, openSync, readSync, type Stats, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, isAbsolute, join} from 'node:path'

import type {ContextConfig, CredentialFile} from '../core/contexts.js'
import {JWS_COMPACT} from '../core/token-format.js'
import {preview} from '../core/text.js'
import {UsageError} from '../errors.js'
import {describeFsError, octal, shellQuote} from '../store/private-files.js'
import {replaceFileAtomically} from './atomic-file.js'

/**
 * The contexts file, `${XDG_CONFIG_HOME:-~/.config}/accessctl/config.yaml`, and the credential files it names.
 * Nothing is trusted from a place another user can write: the config file must be a regular file of this user that
 * neither group nor others may write (else a stranger picks the store and credential a command uses), and a
 * credential file must be this user's and 0600 or stricter, as ssh requires of a private key. Both are checked on
 * the opened descriptor (fstat), never by path before opening, and neither is read through a symbolic link. Every
 * refusal is exit 2: the user's own setup is wrong, and the message says how to fix it.
 */

/** A config of 1000 contexts with long paths is under this. */
export const MAX_CONFIG_BYTES = 256 * 1024
/** The largest token (from the largest token config) is under 1 MiB, as `tokens verify -` reads it. */
const MAX_TOKEN_FILE_BYTES = 1024 * 1024
const MAX_ADMIN_KEY_FILE_BYTES = 4 * 1024

const WRITABLE_BY_OTHERS = 0o022
const READABLE_BY_OTHERS = 0o077

/** The XDG base directory spec: XDG_CONFIG_HOME counts only when absolute; else ~/.config. Undefined without a home. */
export function configFilePath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configHome = env.XDG_CONFIG_HOME
  if (configHome !== undefined && isAbsolute(configHome)) return join(configHome, 'accessctl', 'config.yaml')
  let home = env.HOME
  if (!home) {
    try {
      home = homedir()
    } catch {
      return undefined
    }
  }

  return home ? join(home, '.config', 'accessctl', 'config.yaml') : undefined
}

/**
 * The config file's text, or undefined when there is none (nor a folder for it): one open, no stat before it. The
 * YAML is parsed by the caller (src/core/context-file.ts), so that a missing file never loads the YAML library.
 */
export function readConfigText(file: string): string | undefined {
  let fd: number
  try {
    // O_NONBLOCK: a FIFO in its place must not hang every command; it is refused below as not a regular file.
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    if (code === 'ELOOP') {
      throw new UsageError(`the config file ${preview(file, 200)} is a symbolic link: accessctl reads it only as a file of its own`, {
        hint: `Replace the link with the file itself: cp --remove-destination "$(readlink -f ${shellQuote(file)})" ${shellQuote(file)}`,
      })
    }

    throw new UsageError(`cannot read the config file ${preview(file, 200)}: ${describeFsError(error)}`)
  }

  try {
    const stats = fstatSync(fd)
    if (!stats.isFile()) throw new UsageError(`the config file ${preview(file, 200)} is not a regular file`)
    refuseForeign(stats, `the config file ${preview(file, 200)}`, file)
    // Checked only when there is a file, so that a command without contexts costs no more than the open above.
    checkConfigFolder(dirname(file))
    if ((stats.mode & WRITABLE_BY_OTHERS) !== 0) {
      throw new UsageError(`the config file ${preview(file, 200)} may be written by other users (mode ${octal(stats.mode)}): it is not read`, {
        hint: `It picks the store and credential of every command: chmod 600 ${shellQuote(file)}`,
      })
    }

    return readCapped(fd, MAX_CONFIG_BYTES, `the config file ${preview(file, 200)}`).toString('utf8')
  } finally {
    closeSync(fd)
  }
}

/**
 * Makes the config file's folder, 0700, when there is none, and refuses one that is not this user's or that others
 * may write (they could replace the config file, or its lock, in it). Called before the lock is taken.
 */
export function prepareConfigFolder(file: string): void {
  const folder = dirname(file)
  try {
    // recursive: no error when it exists; the first folder it had to make otherwise.
    if (mkdirSync(folder, {recursive: true, mode: 0o700}) !== undefined) {
      // mkdir's mode is less the umask, which may take the owner's bits too.
      chmodSync(folder, 0o700)
    }
  } catch (error) {
    // EEXIST: something that is not a folder is in its place, which checkConfigFolder names.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new UsageError(`cannot create the config folder ${preview(folder, 200)}: ${describeFsError(error)}`)
  }

  checkConfigFolder(folder)
}

/**
 * Replaces the config file whole, in a folder `prepareConfigFolder` made or checked: the new text goes to a file
 * created 0600 beside it (O_EXCL, O_NOFOLLOW: never an existing file, never through a link), is synced, and renamed
 * over the old one, so a reader sees the old file or the new one, and never a moment of a wider mode.
 */
export function writeConfigText(file: string, text: string): void {
  try {
    replaceFileAtomically(file, text, 0o600)
  } catch (error) {
    throw new UsageError(`cannot write the config file ${preview(file, 200)}: ${describeFsError(error)}`)
  }
}

/** The folder of the config file: a folder of this user's that no one else may write, else nothing in it is trusted. */
function checkConfigFolder(folder: string): void {
  let folderStats: Stats
  try {
    folderStats = statSync(folder)
  } catch (error) {
    throw new UsageError(`cannot use the config folder ${preview(folder, 200)}: ${describeFsError(error)}`)
  }

  if (!folderStats.isDirectory()) throw new UsageError(`the config folder ${preview(folder, 200)} is not a folder`)
  refuseForeign(folderStats, `the config folder ${preview(folder, 200)}`, folder)
  if ((folderStats.mode & WRITABLE_BY_OTHERS) !== 0) {
    throw new UsageError(`the config folder ${preview(folder, 200)} may be written by other users (mode ${octal(folderStats.mode)})`, {
      hint: `Another user could replace the config file in it: chmod 700 ${shellQuote(folder)}`,
    })
  }
}

/**
 * The secret in a context's credential file, trimmed: a token file must hold a token, an admin-key file an admin
 * key. Refused unless the file is a regular file of this user that nobody else may read or write (0600 or
 * stricter), checked on the opened descriptor; a symbolic link is refused (O_NOFOLLOW), as it could be pointed
 * elsewhere between two checks.
 */
export function readCredentialFile(credential: CredentialFile, context: string): string {
  const what = `the ${credential.kind} file ${preview(credential.path, 200)} of context ${context}`
  const fd = openCredential(credential, what)
  let text: string
  try {
    checkCredentialStats(fstatSync(fd), what, credential.path)
    text = readCapped(fd, credential.kind === 'token' ? MAX_TOKEN_FILE_BYTES : MAX_ADMIN_KEY_FILE_BYTES, what).toString('utf8').trim()
  } finally {
    closeSync(fd)
  }

  if (text === '') throw new UsageError(`${what} is empty`, {hint: `Write the ${credential.kind} into it, or point the context at another file.`})
  checkCredentialKind(text, credential.kind, what)
  return text
}

/** At set-context time: the same checks as at use, without reading the secret beyond its kind. */
export function checkCredentialFile(credential: CredentialFile, context: string): void {
  readCredentialFile(credential, context)
}

function openCredential({kind, path}: CredentialFile, what: string): number {
  try {
    return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') {
      throw new UsageError(`${what} is a symbolic link: a credential file is read only as a file of its own`, {
        hint:
          kind === 'token'
            ? `Point the context at the file itself (readlink -f ${shellQuote(path)} names it): accessctl config set-context NAME --token-file FILE`
            : `Point the context at the file itself (readlink -f ${shellQuote(path)} names it): accessctl config set-context NAME --admin-key-file FILE`,
      })
    }

    if (code === 'ENOENT') throw new UsageError(`${what} does not exist`, {hint: 'Create it (chmod 600), or point the context at another file with config set-context.'})
    throw new UsageError(`cannot read ${what}: ${describeFsError(error)}`)
  }
}

function checkCredentialStats(stats: Stats, what: string, path: string): void {
  if (!stats.isFile()) throw new UsageError(`${what} is not a regular file`)
  refuseForeign(stats, what, path)
  if ((stats.mode & READABLE_BY_OTHERS) !== 0) {
    throw new UsageError(`${what} is open to other users (mode ${octal(stats.mode)}): it is not read`, {
      hint: `A credential file must be 0600 or stricter, as ssh requires of a key: chmod 600 ${shellQuote(path)}`,
    })
  }
}

function checkCredentialKind(text: string, kind: CredentialFile['kind'], what: string): void {
  const isAdminKey = text.startsWith('acak_')
  if (kind === 'token' && !JWS_COMPACT.test(text)) {
    throw new UsageError(`${what} does not hold a token${isAdminKey ? ' but an admin key' : ''}`, {
      hint: isAdminKey ? 'Name it with --admin-key-file instead: accessctl config set-context NAME --admin-key-file FILE' : 'It must hold one token (eyJ...), as tokens create prints it.',
    })
  }

  if (kind === 'admin-key' && !isAdminKey) {
    throw new UsageError(`${what} does not hold an admin key${JWS_COMPACT.test(text) ? ' but a token' : ''}`, {
      hint: JWS_COMPACT.test(text) ? 'Name it with --token-file instead: accessctl config set-context NAME --token-file FILE' : 'It must hold one admin key (acak_...), as admin-key create prints it.',
    })
  }
}

function refuseForeign(stats: Stats, what: string, path: string): void {
  const uid = process.getuid?.()
  if (uid !== undefined && stats.uid !== uid) {
    throw new UsageError(`${what} belongs to uid ${stats.uid}, not to this user (uid ${uid}): it is not read`, {
      hint: `Use a file of your own: cp ${shellQuote(path)} NEW && chmod 600 NEW`,
    })
  }
}

/** At most `cap` bytes; one more is refused rather than cut, so a file is never half read. */
function readCapped(fd: number, cap: number, what: string): Buffer {
  const buffer = Buffer.alloc(cap + 1)
  let length = 0
  while (length <= cap) {
    const read = readSync(fd, buffer, length, cap + 1 - length, null)
    if (read === 0) break
    length += read
  }

  if (length > cap) throw new UsageError(`${what} is larger than ${cap / 1024} KiB`)
  return buffer.subarray(0, length)
}


/** The contexts of the config file, none when there is no file; the YAML library is loaded only for a file. */
export async function loadContextConfig(file: string | undefined): Promise<ContextConfig> {
  const text = file === undefined ? undefined : readConfigText(file)
  if (text === undefined || file === undefined) return {contexts: []}
  const {parseContextConfig} = await import('../core/context-file.js')
  return parseContextConfig(text, file)
}
