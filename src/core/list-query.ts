import {UsageError} from '../errors.js'
import {preview} from './text.js'

/**
 * What every list accepts beyond paging: a glob on the name, the field to sort by, and its direction. The SQL for
 * ORDER BY is built only from a list's own whitelist of columns, never from the user's text, which reaches the
 * query only as a bound GLOB parameter.
 */
export type SortOrder = 'asc' | 'desc'

export interface ListQuery {
  /** A shell-style glob (`*`, `?`, `[abc]`, `[^abc]`), matched case-sensitively as SQLite's GLOB does. */
  name?: string
  sort?: string
  order?: SortOrder
}

export const MAX_GLOB_CHARACTERS = 200

/** A list's sortable fields, each mapped to the SQL expression it orders by. */
export type SortColumns = Readonly<Record<string, string>>

export function validateGlob(glob: string, flag = '--name'): string {
  const length = [...glob].length
  if (length === 0) throw new UsageError(`${flag} is empty`, {hint: `Give ${flag} a pattern such as 'web-*', or leave the flag out.`})
  if (length > MAX_GLOB_CHARACTERS) throw new UsageError(`${flag} has at most ${MAX_GLOB_CHARACTERS} characters; this one has ${length}`)
  return glob
}

/**
 * `ORDER BY` for a list: the chosen field, then the tie-breaker (the list's unique key) in the same direction, so
 * that pages never overlap or skip rows among equal values.
 */
export function orderByClause(columns: SortColumns, query: ListQuery, fallback: string, tieBreaker: string): string {
  const field = query.sort ?? fallback
  const column = columns[field]
  if (column === undefined) {
    throw new UsageError(`cannot sort by '${preview(field)}': sort by one of ${Object.keys(columns).join(', ')}`)
  }

  const direction = query.order === 'desc' ? 'DESC' : 'ASC'
  return column === tieBreaker ? `${column} ${direction}` : `${column} ${direction}, ${tieBreaker} ${direction}`
}
