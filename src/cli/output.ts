import {Chalk, type ChalkInstance} from 'chalk'

/**
 * The one place that decides how things look: colour only on a terminal and never with NO_COLOR; aligned columns
 * on a terminal, tab-separated rows without a header when piped (so `cut -f1` works), like GitHub CLI.
 */
export function colorEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.TERM === 'dumb') return false
  return Boolean(stream.isTTY)
}

export function chalkFor(stream: NodeJS.WriteStream): ChalkInstance {
  return new Chalk({level: colorEnabled(stream) ? 1 : 0})
}

export interface Column<T> {
  header: string
  value: (row: T) => string
}

export function renderTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, stream = process.stdout): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)))
  if (!stream.isTTY) return cells.map((line) => line.join('\t')).join('\n')
  const color = chalkFor(stream)
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i].length)))
  const pad = (line: string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [color.bold(pad(columns.map((column) => column.header))), ...cells.map(pad)].join('\n')
}

/** `key: value` lines for a single object, keys aligned. */
export function renderFields(fields: ReadonlyArray<[string, string]>, stream = process.stdout): string {
  const color = chalkFor(stream)
  const width = Math.max(...fields.map(([key]) => key.length))
  return fields.map(([key, value]) => `${color.dim(`${key}:`.padEnd(width + 1))} ${value}`).join('\n')
}

export function yesNo(value: boolean): string {
  return value ? 'yes' : 'no'
}

/** The line printed under a list when more rows follow. */
export function nextPageHint(nextOffset: number | null, limit: number): string | undefined {
  return nextOffset === null ? undefined : `more rows follow: --offset ${nextOffset} --limit ${limit}`
}
