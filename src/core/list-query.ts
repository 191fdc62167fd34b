import {UsageError} from '../errors.js'
import {preview} from './text.js'

/**
 * What every list accepts beyond paging: a glob on the name or the label, the field to sort by, and its direction. The SQL for
 * ORDER BY is built only from a list's own whitelist of columns, never from the user's text, which reaches the
 * query only as a bound GLOB parameter.
 */
export type SortOrder = 'asc' | 'desc'

export interface ListQuery {
  /** A shell-style glob (`*`, `?`, `[abc]`, `[^abc]`), matched case-sensitively as SQLite's GLOB does. */
  name?: string
  /** A glob on the label, for the lists whose rows have one (keys, tokens). */
  label?: string
  sort?: string
  order?: SortOrder
}

export const MAX_GLOB_CHARACTERS = 200

/**
 * The query of a list shown newest first: that is its default order, but a field asked for with --sort reads
 * ascending unless --order says otherwise, as on every other list.
 */
export function newestFirstUnlessSorted<Q extends ListQuery>(query: Q): Q {
  return {...query, order: query.order ?? (query.sort === undefined ? 'desc' : 'asc')}
}

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
  const column = columns[sortField(columns, query, fallback)]
  const direction = query.order === 'desc' ? 'DESC' : 'ASC'
  return column === tieBreaker ? `${column} ${direction}` : `${column} ${direction}, ${tieBreaker} ${direction}`
}

function sortField(columns: Readonly<Record<string, unknown>>, query: ListQuery, fallback: string): string {
  const field = query.sort ?? fallback
  if (!Object.hasOwn(columns, field)) {
    throw new UsageError(`cannot sort by '${preview(field)}': sort by one of ${Object.keys(columns).join(', ')}`)
  }

  return field
}

/** How an in-memory list reads each sortable field of a row; null sorts first, as SQLite's NULL does. */
export type SortKeys<T> = Readonly<Record<string, (row: T) => string | number | null>>

/**
 * The in-memory counterpart of `orderByClause`, for the lists that are not read from a table (the built-in roles):
 * the chosen field, then the tie-breaker, in one direction. Strings compare by code point, as SQLite's BINARY
 * collation does, so a list sorts alike whichever way it is built.
 */
export function sortRows<T>(rows: readonly T[], keys: SortKeys<T>, query: ListQuery, fallback: string, tieBreaker: string): T[] {
  const byField = keys[sortField(keys, query, fallback)]
  const byTie = keys[tieBreaker]
  const sign = query.order === 'desc' ? -1 : 1
  return rows.toSorted((a, b) => sign * (compareValues(byField(a), byField(b)) || compareValues(byTie(a), byTie(b))))
}

function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  if (typeof a === 'number' && typeof b === 'number') return a - b
  return compareCodePoints(String(a), String(b))
}

function compareCodePoints(a: string, b: string): number {
  const left = [...a]
  const right = [...b]
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = left[i].codePointAt(0)! - right[i].codePointAt(0)!
    if (difference !== 0) return difference
  }

  return left.length - right.length
}

/**
 * Whether `text` matches `glob` exactly as SQLite's `text GLOB glob` does, for lists filtered in memory: `*` any
 * text, `?` one character, `[abc]`, `[a-z]`, `[^abc]` a set (a `]` right after `[` or `[^` is a member, a `-` first
 * or last is one, a reversed range holds only its first end), no escape character, case-sensitive; a set that
 * is never closed matches nothing. Compiled to a regular expression of escaped code points, so no character of the
 * glob is ever read as regular-expression syntax.
 */
export function globMatches(glob: string, text: string): boolean {
  const pattern = globPattern(glob)
  return pattern !== null && pattern.test(text)
}

function globPattern(glob: string): RegExp | null {
  const chars = [...glob]
  const literal = (char: string) => `\\u{${char.codePointAt(0)!.toString(16)}}`
  let source = ''
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]
    if (char === '*') source += '.*'
    else if (char === '?') source += '.'
    else if (char === '[') {
      const set = readSet(chars, i + 1)
      if (set === null) return null
      const members = set.members.map((member) => (typeof member === 'string' ? literal(member) : `${literal(member[0])}-${literal(member[1])}`))
      source += `[${set.invert ? '^' : ''}${members.join('')}]`
      i = set.end
    } else source += literal(char)
  }

  return new RegExp(`^${source}$`, 'su')
}

/**
 * The members of the set that starts at `start` (just after its `[`), and the index of its `]`; null if never closed.
 * Never empty: a closed set holds at least its first character.
 */
function readSet(chars: readonly string[], start: number): {members: Array<string | [string, string]>; invert: boolean; end: number} | null {
  let i = start
  const invert = chars[i] === '^'
  if (invert) i++
  const members: Array<string | [string, string]> = []
  if (chars[i] === ']') {
    members.push(']')
    i++
  }

  let prior: string | null = null
  for (; i < chars.length && chars[i] !== ']'; i++) {
    const next = chars[i + 1]
    if (chars[i] === '-' && prior !== null && next !== undefined && next !== ']') {
      // The range's first end is already a member, so a reversed one (z-a) adds nothing more, as in SQLite.
      if (prior.codePointAt(0)! < next.codePointAt(0)!) members.push([prior, next])
      prior = null
      i++
    } else {
      members.push(chars[i])
      prior = chars[i]
    }
  }

  return i < chars.length ? {members, invert, end: i} : null
}
