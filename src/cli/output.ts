import {Chalk, type ChalkInstance} from 'chalk'

import {escapeControl, escapeControlKeepingNewlines} from '../core/text.js'
import type {AccessctlError} from '../errors.js'

/**
 * The one place that decides how things look: colour only on a terminal and never with NO_COLOR; aligned columns
 * on a terminal, tab-separated rows without a header when piped (so `cut -f1` works), like GitHub CLI. It is also
 * the one place that makes stored text safe to print: every cell, field and message line goes through
 * escapeControl, so a name or label can neither drive a terminal nor add a line or a column to piped output.
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
 * base command's `say` is one message line and is escaped whole, line breaks included.
 */
export class Rendered {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text
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

export function renderTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, stream = process.stdout): Rendered {
  const cells = rows.map((row) => columns.map((column) => escapeControl(column.value(row))))
  if (!stream.isTTY) return new Rendered(cells.map((line) => line.join('\t')).join('\n'))
  const color = chalkFor(stream)
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i].length)))
  const pad = (line: string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return new Rendered([color.bold(pad(columns.map((column) => column.header))), ...cells.map(pad)].join('\n'))
}

/** `key: value` lines for a single object, keys aligned. */
export function renderFields(fields: ReadonlyArray<[string, string]>, stream = process.stdout): Rendered {
  const color = chalkFor(stream)
  const width = Math.max(...fields.map(([key]) => key.length))
  return new Rendered(fields.map(([key, value]) => `${color.dim(`${key}:`.padEnd(width + 1))} ${escapeControl(value)}`).join('\n'))
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
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`)
    return
  }

  const color = chalkFor(process.stderr)
  process.stderr.write(`${color.red('Error:')} ${escapeControlKeepingNewlines(error.message)}\n`)
  if (error.hint) process.stderr.write(`${color.dim(escapeControlKeepingNewlines(error.hint))}\n`)
}
