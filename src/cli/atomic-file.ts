import {randomBytes} from 'node:crypto'
import {closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

/**
 * Replaces `target` with `text` so that a reader sees the old file or the whole new one, never part of it: written
 * to a new file beside it (created with `mode` from its first byte, never through a planted link), synced, then
 * renamed over it. On failure the new file is removed and the error thrown as it came, for the caller to word.
 */
export function replaceFileAtomically(target: string, text: string, mode: number): void {
  const staging = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  let fd: number | undefined
  try {
    fd = openSync(staging, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode)
    const bytes = Buffer.from(text, 'utf8')
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written)
    fsyncSync(fd)
    closeSync(fd)
    fd = undefined
    renameSync(staging, target)
  } catch (error) {
    if (fd !== undefined) closeSync(fd)
    rmSync(staging, {force: true})
    throw error
  }
}
