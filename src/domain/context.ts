import type {Store} from '../store/store.js'

/** Who is running the command, as resolved once by the base command. */
export type Caller = {kind: 'operator'; user: string}

export interface Context {
  readonly store: Store
  readonly caller: Caller
}

export interface Page {
  limit: number
  offset: number
}

export interface PageOf<T> {
  items: T[]
  limit: number
  offset: number
  /** The offset of the next page, or null when this page is the last. */
  nextOffset: number | null
}

/**
 * Runs a paged query for one row more than asked, so the caller learns whether another page follows without a
 * COUNT(*) over the whole table.
 */
export function pageOf<T>(rows: Iterable<T>, page: Page): PageOf<T> {
  const items: T[] = []
  let more = false
  for (const row of rows) {
    if (items.length === page.limit) {
      more = true
      break
    }

    items.push(row)
  }

  return {items, limit: page.limit, offset: page.offset, nextOffset: more ? page.offset + page.limit : null}
}
