import {statSync, type Stats} from 'node:fs'
import {resolve} from 'node:path'

import {type OpenOptions, Store, type StoreAccess} from './store.js'

/**
 * A read-only store that follows its path: when the path names another file (a snapshot or replica renamed into
 * place), the next call opens that file and closes the old one, without a restart. An immutable store (see
 * Store.openReadOnly) is also reopened when its file's size or modification time changes, since SQLite reads it
 * without noticing changes. Changes committed to the same file are SQLite's business: `Store.dataVersion` tells.
 */
export interface FollowOptions extends OpenOptions {
  /**
   * Look at the path at most this often (milliseconds; default 10): a `stat` per call would cost more than the rest
   * of a call to a cached store. A file renamed into place is opened at most this long after the rename.
   */
  recheckMs?: number
}

export class FollowedStore {
  readonly path: string
  private store: Store | undefined
  private identity = ''
  private opened = 0
  private checkedAt = Number.NEGATIVE_INFINITY
  private readonly recheckMs: number

  constructor(
    path: string,
    private readonly options: FollowOptions = {},
  ) {
    this.path = resolve(path)
    this.recheckMs = options.recheckMs ?? 10
  }

  /**
   * The store as the path names it now: a `stat` now and then (see recheckMs), a reopen when the file changed.
   * Throws a StoreError when the path names nothing readable.
   */
  current(): Store {
    const now = performance.now()
    if (this.store && now - this.checkedAt < this.recheckMs) return this.store
    this.checkedAt = now
    let stats: Stats | undefined
    try {
      stats = statSync(this.path)
    } catch {
      // Gone or unreadable: the open below fails and says why, and no answer comes from the old file.
    }

    if (this.store && stats && identityOf(stats, this.store.access) === this.identity) return this.store
    this.close()
    const store = Store.openReadOnly(this.path, this.options)
    this.store = store
    // Taken before the open, so a file replaced during it is opened again on the next call.
    this.identity = stats ? identityOf(stats, store.access) : ''
    this.opened++
    return store
  }

  /** How many times a file was opened: 1 after the first call, more after each replacement. */
  get generation(): number {
    return this.opened
  }

  close(): void {
    this.store?.close()
    this.store = undefined
    this.identity = ''
  }
}

function identityOf(stats: Stats, access: StoreAccess): string {
  return access === 'immutable' ? `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}` : `${stats.dev}:${stats.ino}`
}
