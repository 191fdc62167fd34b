import {UsageError} from '../errors.js'

/** Reads all of stdin as text; an empty stdin is a usage error naming what was expected. */
export async function readStdin(what: string, maxBytes = 16 * 1024 * 1024): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError(`expected ${what} on stdin, but stdin is a terminal`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length
    if (size > maxBytes) throw new UsageError(`stdin holds more than ${maxBytes} bytes; expected ${what}`)
    chunks.push(chunk as Buffer)
  }

  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') throw new UsageError(`stdin is empty; expected ${what}`)
  return text
}
