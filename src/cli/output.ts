import {Chalk, type ChalkInstance} from 'chalk'

import {escapeControl, escapeControlKeepingNewlines, jsonText, jsonTextParts, yamlScalar} from '../core/text.js'
import type {CompletionText} from '../core/completion.js'
import type {ShellScript} from '../core/completion-scripts.js'
import type {SafeMarkdown} from '../core/markdown.js'
import type {SafeYamlText} from '../core/yaml-text.js'
import type {AccessctlError} from '../errors.js'

/**
 * The one place that decides how things look: colour only on a terminal and never with NO_COLOR; aligned columns
 * on a terminal, tab-separated rows without a header when piped (so `cut -f1` works), like GitHub CLI. It is also
 * the one place that makes stored text safe to print: every cell, field and message line goes through
 * escapeControl, so a name or label can neither drive a terminal nor add a line or a column to piped output.
 *
 * What is printed is one of two kinds, kept apart by type: human output (a message, or a Rendered table, field list
 * or block), escaped as it is printed, and a Document (JSON, YAML, a token or a key) that a program reads, printed
 * exactly as it was built and made safe when it was built. Escaping a document on the way out is what turned
 * `tokens jwks > jwks.json` into one line of `\x0a` that no JSON parser reads.
 */
export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

export function chalkFor(stream: NodeJS.WriteStream): ChalkInstance {
  return new Chalk({level: colorEnabled(stream) ? 1 : 0})
}

/**
 * Human output that is already safe, line by line: what the renderers return. A plain string handed to the
 * base command's `say` is one message line and is escaped whole, line breaks included. Never a document: those are
 * Documents, which `say` does not take.
 */
export class Rendered {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text
  }
}

/** A token or a key: the characters of base64url and JWS compact serialisation, on one line, nothing else. */
const CREDENTIAL = /^[A-Za-z0-9_.~-]+$/

/**
 * What a program reads from stdout: a JSON or YAML document, or a credential that a script captures with `$(...)`.
 * Printed exactly as built (by the base command's printDocument), so its content is made safe where it is built:
 * JSON and YAML escape, in their own syntax, every character that could drive a terminal or add a line, and a
 * credential is checked to be one line of plain characters. Its text cannot be read back out into a message.
 */
export class Document {
  readonly #parts: Iterable<string>

  private constructor(text: string | Iterable<string>) {
    this.#parts = typeof text === 'string' ? [text.endsWith('\n') ? text.slice(0, -1) : text] : text
  }

  /** A JSON document, indented as --json prints one. */
  static json(value: unknown): Document {
    return new Document(jsonText(value, 2))
  }

  /**
   * The same document as `json`, written a piece at a time (jsonTextParts): for a document large enough that holding
   * its whole text beside the value would cost more memory than the command may use.
   */
  static jsonInParts(value: unknown): Document {
    return new Document(jsonTextParts(value))
  }

  /** A YAML document from yamlText, whose type says its scalars were made safe. */
  static yaml(text: SafeYamlText): Document {
    return new Document(text)
  }

  /** A Markdown document from the builders of core/markdown.ts, whose type says its values were made safe. */
  static markdown(text: SafeMarkdown): Document {
    return new Document(text)
  }

  /**
   * A Markdown document as mdDocument would make it of these blocks, written a block at a time as they are made, so
   * a long report is never one string. A block is made safe text, or its lines (mdTableLines) to be written one by one.
   */
  static markdownBlocks(blocks: Iterable<SafeMarkdown | Iterable<SafeMarkdown>>): Document {
    return new Document(
      (function* () {
        let firstBlock = true
        for (const block of blocks) {
          if (!firstBlock) yield '\n\n'
          firstBlock = false
          if (typeof block === 'string') {
            yield block
            continue
          }

          let firstLine = true
          for (const line of block) {
            yield firstLine ? line : `\n${line}`
            firstLine = false
          }
        }
      })(),
    )
  }

  /** A token or a key, alone on its line. Anything else here is a bug, and is refused rather than printed. */
  static credential(secret: string): Document {
    if (!CREDENTIAL.test(secret)) throw new Error('a credential to print is not one line of base64url characters')
    return new Document(secret)
  }

  /** What a shell reads: completion candidates (src/core/completion.ts) or a completion script, checked where built. */
  static shell(text: CompletionText | ShellScript): Document {
    return new Document(text)
  }

  /**
   * Writes the document and a final line break, gathering the pieces into writes of about WRITE_CHUNK characters (a
   * write per piece would cost more than making them). A document made of pieces is written once.
   */
  writeTo(stream: {write(text: string): unknown}): void {
    let pending = ''
    for (const part of this.#parts) {
      pending += part
      if (pending.length >= WRITE_CHUNK) {
        stream.write(pending)
        pending = ''
      }
    }

    stream.write(`${pending}\n`)
  }
}

const WRITE_CHUNK = 64 * 1024

/**
 * JSON Lines for a stream of answers (`tokens verify -`): gathered into chunks, since one write per line would cost
 * more than making the answer, and written with back-pressure, so a slow reader does not make output pile up.
 */
export class JsonLines {
  #pending = ''

  push(value: unknown): void {
    this.#pending += `${jsonText(value)}\n`
  }

  get pendingLength(): number {
    return this.#pending.length
  }

  flush(stream: NodeJS.WritableStream = process.stdout): Promise<void> {
    const text = this.#pending
    this.#pending = ''
    if (text === '') return Promise.resolve()
    return new Promise((resolve) => {
      if (stream.write(text)) resolve()
      else stream.once('drain', resolve)
    })
  }
}

/** A plain message made safe to print as one line (or a Rendered block as it is). */
export function humanText(text: string | Rendered): string {
  return text instanceof Rendered ? text.text : escapeControl(text)
}

export interface Column<T> {
  header: string
  value: (row: T) => string
}

export function renderTable<T>(
  rows: readonly T[],
  columns: ReadonlyArray<Column<T>>,
  stream = process.stdout,
  options: {headers?: boolean} = {},
): Rendered {
  const cells = rows.map((row) => columns.map((column) => escapeControl(column.value(row))))
  if (!stream.isTTY) return new Rendered(cells.map((line) => line.join('\t')).join('\n'))
  const color = chalkFor(stream)
  const headerWidth = (column: Column<T>) => (options.headers === false ? 0 : column.header.length)
  const widths = columns.map((column, i) => Math.max(headerWidth(column), ...cells.map((line) => line[i].length)))
  const pad = (line: string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  const header = options.headers === false ? [] : [color.bold(pad(columns.map((column) => column.header)))]
  return new Rendered([...header, ...cells.map(pad)].join('\n'))
}

/**
 * renderTable's output in chunks of rows, for a table too long to hold as one string; nothing for no rows. Piped, rows
 * stand alone, so each chunk is rendered as its rows are read; on a terminal the columns are as wide as their widest
 * cell, so every row is read first and the table comes as one chunk.
 */
export function* renderTableInChunks<T>(rows: Iterable<T>, columns: ReadonlyArray<Column<T>>, stream = process.stdout): Generator<Rendered> {
  if (stream.isTTY) {
    const table = renderTable([...rows], columns, stream)
    if (table.text !== '') yield table
    return
  }

  let lines: string[] = []
  for (const row of rows) {
    lines.push(columns.map((column) => escapeControl(column.value(row))).join('\t'))
    if (lines.length >= ROWS_PER_CHUNK) {
      yield new Rendered(lines.join('\n'))
      lines = []
    }
  }

  if (lines.length > 0) yield new Rendered(lines.join('\n'))
}

const ROWS_PER_CHUNK = 100

/** A field's value: text, a count, or nothing (shown empty, which YAML reads as null, as --json has it). */
export type FieldValue = string | number | null

/**
 * `key: value` lines for a single object, keys aligned, that are also valid YAML reading back as the values shown:
 * a value YAML would read otherwise (`ci: deploy #1`, `-`, `0123`, `null`) is double-quoted, and one holding a
 * control character double-quoted with it escaped, so a label can neither drive a terminal nor forge a field.
 */
export function renderFields(fields: ReadonlyArray<readonly [string, FieldValue]>, stream = process.stdout): Rendered {
  const color = chalkFor(stream)
  const keys = fields.map(([key]) => `${yamlScalar(key)}:`)
  const width = Math.max(...keys.map((key) => key.length))
  const shown = (value: FieldValue) => (value === null ? '' : typeof value === 'number' ? String(value) : yamlScalar(value))
  return new Rendered(fields.map(([, value], i) => `${color.dim(keys[i].padEnd(width))} ${shown(value)}`.trimEnd()).join('\n'))
}

/** A YAML block in human output (a token's grants), as safe as the fields it follows. */
export function renderYaml(text: SafeYamlText): Rendered {
  return new Rendered(text.trimEnd())
}

/** Several lines, each escaped on its own: for multi-line output that is neither a table nor fields. */
export function renderLines(lines: readonly string[]): Rendered {
  return new Rendered(lines.map((line) => escapeControl(line)).join('\n'))
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no'
}

/** The JSON shape of every error: `{"error": {"code", "message", "exitCode"}}`. */
export interface ErrorJson {
  error: {code: string; message: string; exitCode: number; hint?: string}
}

/**
 * Prints an error the one way accessctl does: with --json the error document on stdout, else `Error: message` and
 * the hint on stderr. The message's own line breaks stay (oclif lists problems one a line); everything else that
 * could drive a terminal is escaped, and the parts that quote user input were escaped when they were quoted.
 */
export function writeError(error: AccessctlError, json: boolean): void {
  if (json) {
    const body: ErrorJson = {error: {code: error.code, message: error.message, exitCode: error.exitCode}}
    if (error.hint) body.error.hint = error.hint
    Document.json(body).writeTo(process.stdout)
    return
  }

  const color = chalkFor(process.stderr)
  process.stderr.write(`${color.red('Error:')} ${escapeControlKeepingNewlines(error.message)}\n`)
  if (error.hint) process.stderr.write(`${color.dim(escapeControlKeepingNewlines(error.hint))}\n`)
}
