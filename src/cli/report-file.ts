import {lstatSync, statSync} from 'node:fs'
import {dirname} from 'node:path'

import {preview} from '../core/text.js'
import {UsageError} from '../errors.js'
import {describeFsError, literalPath} from '../store/private-files.js'
import {replaceFileAtomically} from './atomic-file.js'

/**
 * A report file a CI job keeps (`test --junit FILE`): replaced whole on every run, as a test runner's report is.
 * It holds names and reasons, no secret, so it is 0644 (less the umask), as a file made with `>` is. It is written
 * to a new file beside the destination (O_EXCL | O_NOFOLLOW: never an existing file, never through a link) and
 * renamed over it, so a reader sees the old report or the new one, never half of one; a symbolic link at the
 * destination is refused, not followed and not replaced.
 */

/** Checked before the tests run, so a report that cannot be written is an error before any work. */
export function checkReportPath(path: string, what: string): string {
  const target = literalPath(path, what)
  const folder = dirname(target)
  let isFolder = false
  try {
    isFolder = statSync(folder).isDirectory()
  } catch (error) {
    throw new UsageError(`cannot write ${what} to ${preview(target, 200)}: ${describeFsError(error)}`)
  }

  if (!isFolder) throw new UsageError(`cannot write ${what} to ${preview(target, 200)}: ${preview(folder, 200)} is not a folder`)
  let existing
  try {
    existing = lstatSync(target)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return target
    throw new UsageError(`cannot write ${what} to ${preview(target, 200)}: ${describeFsError(error)}`)
  }

  if (existing.isSymbolicLink()) throw new UsageError(`${preview(target, 200)} is a symbolic link: ${what} is not written through one; give the file itself`)
  if (!existing.isFile()) throw new UsageError(`${preview(target, 200)} is not a regular file: ${what} replaces only a file`)
  return target
}

export function writeReportFile(path: string, text: string, what: string): void {
  const target = checkReportPath(path, what)
  try {
    replaceFileAtomically(target, text, 0o644)
  } catch (error) {
    throw new UsageError(`cannot write ${what} to ${preview(target, 200)}: ${describeFsError(error)}`)
  }
}
