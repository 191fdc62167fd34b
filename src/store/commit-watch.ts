import {accessSync, constants, statSync, type Stats} from 'node:fs'

import {StoreError} from '../errors.js'
import {describeFsError} from './private-files.js'
import type {Store} from './store.js'

/**
 * Tells a long-lived reader (`audit list --follow`) whether another connection committed to its store since it
 * last asked: `PRAGMA data_version`, one statement and no transaction, as RememberedReads asks it for serve.
 *
 * An open connection keeps reading its file after the path is deleted or renamed over, and would wait for commits
 * that can no longer come; so each question also looks at the path (a stat and an access check, nothing SQLite
 * reads) and ends with a StoreError (exit 6) when it no longer names a readable file, or names another file.
 */
export class CommitWatch {
  private version: number
  private readonly identity: string

  /** Call before the first read, so a commit between that read and the first `changed()` is not missed. */
  constructor(private readonly store: Store) {
    this.identity = identityOf(this.look())
    this.version = store.dataVersion()
  }

  /** True once after each commit by another connection; throws a StoreError when the store is gone or unreadable. */
  changed(): boolean {
    if (identityOf(this.look()) !== this.identity) {
      throw new StoreError(`the store at ${this.store.path} was replaced by another file while it was followed`, {
        hint: 'Follow it again to read the new file.',
      })
    }

    const version = this.store.dataVersion()
    if (version === this.version) return false
    this.version = version
    return true
  }

  private look(): Stats {
    try {
      const stats = statSync(this.store.path)
      accessSync(this.store.path, constants.R_OK)
      return stats
    } catch (error) {
      // describeFsError reads ENOENT as a missing folder on the way to a path being created; here the file itself went.
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is gone (deleted or moved away)' : `is unreadable: ${describeFsError(error)}`
      throw new StoreError(`the store at ${this.store.path} ${why} while it was followed`, {cause: error})
    }
  }
}

const identityOf = (stats: Stats) => `${stats.dev}:${stats.ino}`
