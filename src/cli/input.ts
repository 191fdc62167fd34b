import {readFile} from 'node:fs/promises'

import {UsageError} from '../errors.js'

/** All of stdin as text (for `-c -` and heredocs). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** A file named on the command line, or stdin for `-`; a file that cannot be read is the user's to fix (exit 2). */
export async function readTextArgument(path: string): Promise<{text: string; source: string}> {
  if (path === '-') return {text: await readStdin(), source: 'stdin'}
  try {
    return {text: await readFile(path, 'utf8'), source: path}
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message
    throw new UsageError(`cannot read ${path}: ${why}`)
  }
}
