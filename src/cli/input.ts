import {isUtf8} from 'node:buffer'
import {closeSync, constants, fstatSync, openSync, readSync, type Stats} from 'node:fs'
import {isatty} from 'node:tty'

import {preview} from '../core/text.js'
import {UsageError} from '../errors.js'

/**
 * The one reader of files and stdin. Every input has a cap, and reading stops at the first byte past it, so
 * `/dev/zero` or an endless pipe costs at most the cap in memory and time. A named file must be a regular file
 * (a FIFO would block, a device or a folder never ends or cannot be read): only `-`, stdin, may be a pipe. Reads
 * are synchronous, so that `accounts import` can parse and insert inside one SQLite transaction as it reads.
 */

const KiB = 1024
const MiB = 1024 * KiB

/** Every cap, in bytes; docs/commands.md's "Input limits" lists the same. */
export const INPUT_LIMITS = {
  /** `tokens create -c FILE` or `-c -`: real configs are under 2 KiB. */
  tokenConfig: 64 * KiB,
  /** `accounts import`: the whole file or stdin (about 1.5 million accounts). */
  importTotal: 64 * MiB,
  /** `accounts import`: one JSON Lines line, or one YAML entry (or a whole list written in flow style). */
  importEntry: 64 * KiB,
  /** `apply`, `diff`: the whole document (an export of 100,000 accounts with one group each is about 9 MiB). */
  document: 16 * MiB,
  /** `tokens verify -`: one line, one token (a token made from the largest config fits). */
  tokenLine: 1 * MiB,
  /** `deployment authorize --key-stdin`, `admin-key verify`: the first line of stdin, one key. */
  secretLine: 4 * KiB,
} as const

const CHUNK_BYTES = 64 * KiB
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

/** 65536 → `64 KiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`
  if (bytes >= KiB && bytes % KiB === 0) return `${bytes / KiB} KiB`
  return `${bytes} bytes`
}

/** An open input: a regular file, or stdin. */
export interface InputSource {
  readonly fd: number
  /** `stdin`, or the path as given (escaped), for messages. */
  readonly name: string
  readonly isStdin: boolean
  /** The size of a regular file, for progress; undefined for stdin. */
  readonly size?: number
}

/**
 * Opens FILE, or stdin for `-`. A path must name a regular file: it is opened without blocking (a FIFO would
 * otherwise wait for a writer forever) and checked on the open descriptor, so it cannot be swapped in between.
 * Stdin may be a pipe or a redirected file, but not a terminal: nothing would end the input.
 */
export function openInput(path: string, what: string): InputSource {
  if (path === '-') {
    if (isatty(0)) throw new UsageError(`expected ${what} on stdin, but stdin is a terminal`, {hint: 'Pipe or redirect it: ... < FILE'})
    return {fd: 0, name: 'stdin', isStdin: true}
  }

  const name = `'${preview(path, 200)}'`
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (error) {
    throw new UsageError(`cannot read ${name}: ${describeOpenError(error)}`)
  }

  let stats: Stats
  try {
    stats = fstatSync(fd)
  } catch (error) {
    closeSync(fd)
    throw new UsageError(`cannot read ${name}: ${describeOpenError(error)}`)
  }

  if (!stats.isFile()) {
    closeSync(fd)
    throw new UsageError(`cannot read ${name}: it is ${describeKind(stats)}, not a regular file`, {
      hint: "Give a regular file, or '-' to read stdin (… < FILE, or a pipe).",
    })
  }

  return {fd, name, isStdin: false, size: stats.size}
}

export function closeInput(input: InputSource): void {
  if (!input.isStdin) closeSync(input.fd)
}

function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder'
  if (stats.isFIFO()) return 'a named pipe (FIFO)'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  if (stats.isSocket()) return 'a socket'
  return 'a special file'
}

function describeOpenError(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT': {
      return 'no such file'
    }

    case 'EACCES':
    case 'EPERM': {
      return 'permission denied'
    }

    case 'ENOTDIR': {
      return 'a part of the path is a file, not a folder'
    }

    case 'ELOOP': {
      return 'too many symbolic links'
    }

    case 'ENAMETOOLONG': {
      return 'the path is too long'
    }

    case 'ENXIO': {
      return 'it is a socket or a device with nothing behind it, not a regular file'
    }

    default: {
      return (error as NodeJS.ErrnoException).code ?? (error as Error).message
    }
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * One read(2), at most `length` bytes; 0 at the end. Stdin inherited in non-blocking mode answers EAGAIN when the
 * writer is slow: wait a little and try again, as a blocking read would have.
 */
function readSome(input: InputSource, into: Buffer, offset: number, length: number): number {
  for (;;) {
    try {
      return readSync(input.fd, into, offset, length, null)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EAGAIN') {
        Atomics.wait(pause, 0, 0, 1)
        continue
      }

      if (code === 'EOF') return 0
      if (code === 'EISDIR') throw new UsageError(`cannot read ${input.name}: it is a folder`)
      if (code === 'EBADF') throw new UsageError(`cannot read ${input.name}: it is closed`)
      throw new UsageError(`cannot read ${input.name}: ${code ?? (error as Error).message}`)
    }
  }
}

export interface ReadTextOptions {
  /** What was expected, for messages: "a token config". */
  what: string
  /** At most this many bytes. */
  cap: number
  /**
   * Documents (configs, imports) must be UTF-8: a Latin-1 name would otherwise be stored with U+FFFD in it.
   * Tokens and keys are ASCII, so a stray byte only makes them invalid, which their check reports.
   */
  strictUtf8: boolean
}

/** The whole input as text, refused past the cap; a leading UTF-8 byte order mark is dropped. */
export function readAllText(input: InputSource, options: ReadTextOptions): string {
  // A regular file says its size: one over the cap is refused before a byte is read.
  if (input.size !== undefined && input.size > options.cap) throw tooBig(input, options)
  const limit = options.cap + 1
  let buffer = Buffer.allocUnsafe(Math.min(limit, CHUNK_BYTES))
  let length = 0
  for (;;) {
    if (length === buffer.length) {
      if (buffer.length >= limit) break
      const bigger = Buffer.allocUnsafe(Math.min(limit, buffer.length * 2))
      buffer.copy(bigger, 0, 0, length)
      buffer = bigger
    }

    const read = readSome(input, buffer, length, buffer.length - length)
    if (read === 0) break
    length += read
  }

  if (length > options.cap) throw tooBig(input, options)
  let bytes = buffer.subarray(0, length)
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) bytes = bytes.subarray(3)
  if (options.strictUtf8 && !isUtf8(bytes)) throw notUtf8(input, firstBadLine(bytes))
  return bytes.toString('utf8')
}

function tooBig(input: InputSource, options: {what: string; cap: number}): UsageError {
  return new UsageError(`${input.name} holds more than ${formatBytes(options.cap)}: ${options.what} is at most ${formatBytes(options.cap)}`)
}

function notUtf8(input: InputSource, line: number): UsageError {
  return new UsageError(`line ${line} of ${input.name} is not UTF-8 text`, {hint: 'Convert it first, e.g. iconv -f LATIN1 -t UTF-8.'})
}

/** The 1-based line of the first invalid UTF-8 sequence (only called once one is known to be there). */
function firstBadLine(bytes: Buffer, firstLine = 1): number {
  let line = firstLine
  let start = 0
  for (;;) {
    const end = bytes.indexOf(0x0a, start)
    if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end))) return line
    if (end === -1) return line
    start = end + 1
    line++
  }
}

/** One line of input, without its line break (`\n` or `\r\n`), and its 1-based number. */
export interface SourceLine {
  text: string
  line: number
}

export interface LineReaderOptions extends ReadTextOptions {
  /** At most this many bytes in all (the cap of ReadTextOptions is the cap of one line). */
  totalCap?: number
  /** What the total cap is about, for its message. */
  totalWhat?: string
}

/**
 * Reads an input line by line. A line longer than the cap, or an input longer than the total cap, is refused as
 * soon as it is seen: reading never goes more than one byte past either. Lines are decoded a chunk at a time.
 */
export class LineReader implements IterableIterator<SourceLine> {
  /** Bytes read so far (for progress). */
  bytesRead = 0
  private pending = Buffer.alloc(0)
  private lines: string[] = []
  private nextLine = 0
  private lineNumber = 0
  private ended = false

  constructor(
    readonly input: InputSource,
    private readonly options: LineReaderOptions,
  ) {}

  [Symbol.iterator](): IterableIterator<SourceLine> {
    return this
  }

  /** Whether the next line can be had without reading, so without waiting on a slow writer. */
  hasBufferedLine(): boolean {
    return this.nextLine < this.lines.length || this.ended
  }

  next(): IteratorResult<SourceLine> {
    while (this.nextLine >= this.lines.length) {
      if (this.ended) return {done: true, value: undefined}
      this.fill()
    }

    const text = this.lines[this.nextLine++]
    this.lineNumber++
    return {done: false, value: {text: text.endsWith('\r') ? text.slice(0, -1) : text, line: this.lineNumber}}
  }

  /** Reads until at least one more complete line (or the end) is there, and decodes the complete lines. */
  private fill(): void {
    const {cap} = this.options
    const totalCap = this.options.totalCap ?? Number.POSITIVE_INFINITY
    if (this.bytesRead === 0 && this.input.size !== undefined && this.input.size > totalCap) {
      throw tooBig(this.input, {what: this.options.totalWhat ?? this.options.what, cap: totalCap})
    }

    for (;;) {
      const lastBreak = this.pending.lastIndexOf(0x0a)
      if (lastBreak !== -1) {
        this.decode(this.pending.subarray(0, lastBreak))
        this.pending = this.pending.subarray(lastBreak + 1)
        return
      }

      if (this.pending.length > cap) throw this.lineTooLong(this.lineNumber + 1)
      // Never more than one byte past a cap: not past the line's, not past the total's.
      const room = Math.min(CHUNK_BYTES, cap + 1 - this.pending.length, totalCap + 1 - this.bytesRead)
      if (room <= 0) throw tooBig(this.input, {what: this.options.totalWhat ?? this.options.what, cap: totalCap})
      const chunk = Buffer.allocUnsafe(this.pending.length + room)
      this.pending.copy(chunk)
      const read = readSome(this.input, chunk, this.pending.length, room)
      if (read === 0) {
        this.ended = true
        if (this.pending.length > 0) this.decode(this.pending)
        this.pending = Buffer.alloc(0)
        return
      }

      const start = this.bytesRead === 0 && chunk.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0
      this.bytesRead += read
      if (this.bytesRead > totalCap) throw tooBig(this.input, {what: this.options.totalWhat ?? this.options.what, cap: totalCap})
      this.pending = chunk.subarray(start, this.pending.length + read)
    }
  }

  /** Complete lines, without the final line break. */
  private decode(bytes: Buffer): void {
    const firstLine = this.lineNumber + 1
    if (this.options.strictUtf8 && !isUtf8(bytes)) throw notUtf8(this.input, firstBadLine(bytes, firstLine))
    const text = bytes.toString('utf8')
    this.lines = text.split('\n')
    this.nextLine = 0
    // A chunk under the cap cannot hold a line over it; only a bigger one is measured, line by line.
    if (bytes.length > this.options.cap) {
      for (const [index, line] of this.lines.entries()) {
        if (line.length * 3 > this.options.cap && Buffer.byteLength(line) > this.options.cap) throw this.lineTooLong(firstLine + index)
      }
    }
  }

  private lineTooLong(line: number): UsageError {
    const cap = formatBytes(this.options.cap)
    return new UsageError(`line ${line} of ${this.input.name} is longer than ${cap}: ${this.options.what} is at most ${cap}`)
  }
}

/** The first line of stdin (or a file), read no further than its end or the cap; undefined when there is none. */
export function readFirstLine(input: InputSource, options: ReadTextOptions): string | undefined {
  const first = new LineReader(input, options).next()
  return first.done ? undefined : first.value.text
}

/**
 * A secret (an admin key, a query key) from the first line of stdin, trimmed; '' when stdin holds none. Only the
 * first line is read, at most INPUT_LIMITS.secretLine: the rest of the pipe is left unread.
 */
export function readSecretFromStdin(what: string, cap: number = INPUT_LIMITS.secretLine): string {
  return (readFirstLine(openInput('-', what), {what, cap, strictUtf8: false}) ?? '').trim()
}

/** The input's bytes, a chunk at a time, with no cap: for archives, which are only hashed and measured. */
export function* readChunks(input: InputSource): Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
  for (;;) {
    const read = readSome(input, buffer, 0, buffer.length)
    if (read === 0) return
    yield buffer.subarray(0, read)
  }
}

/**
 * `-f FILE` or `-f -` read whole as a UTF-8 document, capped like every input, then parsed with the file's name (or
 * "stdin") for its messages: every problem is exit 2.
 */
export function readDocumentInput<T>(file: string, what: string, cap: number, parse: (text: string, source: string) => T): T {
  const input = openInput(file, what)
  try {
    return parse(readAllText(input, {what, cap, strictUtf8: true}), input.name)
  } finally {
    closeInput(input)
  }
}
