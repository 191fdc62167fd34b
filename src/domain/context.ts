import type {Grant} from '../core/grants.js'
import type {TokenLink} from '../core/token-format.js'
import type {Store} from '../store/store.js'

/**
 * Who is running the command, resolved once by the base command: the local operator (no credential), an admin
 * key, or a token acting as its account within its grants.
 */
export type Caller =
  | {kind: 'operator'; user: string}
  | {kind: 'admin-key'; keyId: string}
  | {
      kind: 'token'
      accountId: string
      jti: string
      tokenType: 'account' | 'ephemeral'
      grants: Grant[]
      expiresAt: Date
      issuedAt: Date
      /** The signing key of the token, so a token it mints can name it among its ancestors. */
      kid: string
      /** The account's token generation it was minted in (null before generations): tokens it mints carry it. */
      generation: number | null
      /** The tokens it was minted by, root first: the tokens it mints carry them and itself as their ancestry. */
      ancestors: readonly TokenLink[]
    }

/** How a caller is named in the audit log. */
export function actorOf(caller: Caller): string {
  switch (caller.kind) {
    case 'operator': {
      return `operator:${caller.user}`
    }

    case 'admin-key': {
      return `admin-key:${caller.keyId}`
    }

    case 'token': {
      return `account:${caller.accountId}/token:${caller.jti}`
    }
  }
}

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
 * Takes the rows of a query for one row more than asked (mapping each with `toItem`), so the caller learns whether another page follows without a
 * COUNT(*) over the whole table.
 */
export function pageOf<R, T = R>(rows: Iterable<R>, page: Page, toItem?: (row: R) => T): PageOf<T> {
  const items: T[] = []
  let more = false
  for (const row of rows) {
    if (items.length === page.limit) {
      more = true
      break
    }

    items.push(toItem ? toItem(row) : (row as unknown as T))
  }

  return {items, limit: page.limit, offset: page.offset, nextOffset: more ? page.offset + page.limit : null}
}
