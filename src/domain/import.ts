import {newId, nowIso} from '../core/ids.js'
import type {ImportSource} from '../core/import-format.js'
import {EVERYONE_GROUP, preview, validateGroupName} from '../core/names.js'
import {ConflictError, NotFoundError, UsageError} from '../errors.js'
import {mutate} from './audit.js'
import {requireGlobalAdmin} from './authz.js'
import type {Context} from './context.js'

export interface ImportSummary {
  imported: number
  memberships: number
  seconds: number
}

/** Called every `PROGRESS_STEP` rows while the transaction runs, and once at the end. */
export type ProgressReporter = (done: number, total: number) => void

const PROGRESS_STEP = 2000

/**
 * Imports accounts in ONE transaction: every record is checked first (names, duplicates in the file and in the
 * store, groups), then all are inserted, or none if anything fails, with the offending line in the message. A
 * process killed half-way leaves nothing, since SQLite discards an uncommitted transaction.
 */
export function importAccounts(ctx: Context, source: ImportSource, progress?: ProgressReporter): ImportSummary {
  const started = performance.now()
  const {records} = source
  const lineOf = (record: {index: number}) => source.lineOf(record.index)
  const seen = new Map<string, number>()
  for (const record of records) {
    const earlier = seen.get(record.name)
    if (earlier !== undefined) {
      throw new ConflictError(
        `line ${lineOf(record)}: account '${preview(record.name)}' appears twice (first at line ${source.lineOf(earlier)})`,
      )
    }

    seen.set(record.name, record.index)
    for (const group of record.groups) {
      if (group === EVERYONE_GROUP) throw new UsageError(`line ${lineOf(record)}: every account is in 'everyone' already`)
      try {
        validateGroupName(group)
      } catch (error) {
        throw new UsageError(`line ${lineOf(record)}: ${(error as Error).message}`)
      }
    }
  }

  // A bigger page cache keeps the growing indexes in memory instead of spilling pages to the WAL mid-transaction;
  // 8 MiB holds the indexes of a 100,000-account import; more only adds memory.
  ctx.store.db.pragma('cache_size = -8192')
  return mutate(ctx, 'accounts.import', (summary) => `accounts:${summary.imported}`, () => {
    requireGlobalAdmin(ctx, {function: 'create', resource: 'accounts', action: 'accounts.import'})
    const {db} = ctx.store
    const groupExists = db.prepare('SELECT 1 FROM groups WHERE name = ?').pluck()
    const knownGroups = new Set<string>()
    for (const record of records) {
      for (const group of record.groups) {
        if (knownGroups.has(group)) continue
        if (!groupExists.get(group)) throw new NotFoundError(`line ${lineOf(record)}: no group named '${group}'`)
        knownGroups.add(group)
      }
    }

    const insertAccount = db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING')
    const insertMember = db.prepare('INSERT INTO group_members (group_name, account_id, added_at) VALUES (?, ?, ?)')
    const now = nowIso()
    let memberships = 0
    let done = 0
    for (const record of records) {
      const id = newId()
      if (insertAccount.run(id, record.name, now).changes === 0) {
        throw new ConflictError(`line ${lineOf(record)}: an account named '${preview(record.name)}' already exists`)
      }

      for (const group of record.groups) {
        insertMember.run(group, id, now)
        memberships++
      }

      done++
      if (progress && done % PROGRESS_STEP === 0) progress(done, records.length)
    }

    progress?.(done, records.length)
    return {imported: done, memberships, seconds: (performance.now() - started) / 1000}
  })
}
