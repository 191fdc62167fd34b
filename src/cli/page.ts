import type {Page, PageOf} from '../domain/context.js'
import {type Column, Rendered, renderTable} from './output.js'

/**
 * Every list prints through here: one table, and on a terminal the hint that more rows follow. Piped output is
 * the rows alone (so `wc -l` and `cut` see only rows), which is why this, not each command, looks at the TTY.
 */
export function renderPage<T>(
  page: PageOf<T>,
  columns: ReadonlyArray<Column<T>>,
  options: {headers?: boolean} = {},
  stream = process.stdout,
): Rendered {
  const table = renderTable(page.items, columns, stream, options)
  if (!stream.isTTY || page.nextOffset === null) return table
  const hint = `more rows follow: --offset ${page.nextOffset} --limit ${page.limit}`
  return new Rendered(table.text === '' ? hint : `${table.text}\n${hint}`)
}

/**
 * One page of a list that the domain returns whole (keys, roles, permissions: a handful of rows each), so that
 * every list has the same `--json` document, {items, limit, offset, nextOffset}, and the same paging flags.
 */
export function pageOfList<T>(all: readonly T[], page: Page): PageOf<T> {
  const items = all.slice(page.offset, page.offset + page.limit)
  const nextOffset = page.offset + page.limit < all.length ? page.offset + page.limit : null
  return {items, limit: page.limit, offset: page.offset, nextOffset}
}
