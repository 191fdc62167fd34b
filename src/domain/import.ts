import {newId, nowIso} from '../core/ids.js'
import type {ImportRecord} from '../core/import-format.js'
import {accountNameClash, accountNameKey, EVERYONE_GROUP, preview, validateGroupName} from '../core/names.js'
import {ConflictError, NotFoundError, UsageError} from '../errors.js'
import {mutate} from './audit.js'
import {requireGlobalAdmin} from './access.js'
import type {Context} from './context.js'

export interface ImportSummary {
  imported: number
  memberships: number
  seconds: number
}

/** Called every `PROGRESS_STEP` accounts while the transaction runs, and once at the end. */
export type ProgressReporter = (done: number) => void

const PROGRESS_STEP = 2000

/**
 * The accounts this import inserted, 20 bytes each (the id and the line it came from), to tell a name that
 * appears twice in the input from one already in the store, and to name the first line: a Map of every name would
 * cost about five times as much at a million accounts.
 */
class InsertedAccounts {
  private ids = Buffer.alloc(16 * 1024 * 16)
  private lines = new Uint32Array(16 * 1024)
  private count = 0

  add(id: string, line: number): void {
    if (this.count === this.lines.length) {
      const ids = Buffer.alloc(this.ids.length * 2)
      this.ids.copy(ids)
      this.ids = ids
      const lines = new Uint32Array(this.lines.length * 2)
      lines.set(this.lines)
      this.lines = lines
    }

    this.ids.write(id, this.count * 16, 16, 'hex')
    this.lines[this.count++] = line
  }

  /** The line of an account this import inserted, by id; undefined for an account that was there before. */
  lineOf(id: string): number | undefined {
    const wanted = Buffer.from(id, 'hex')
    for (let i = 0; i < this.count; i++) {
      if (this.ids.compare(wanted, 0, 16, i * 16, i * 16 + 16) === 0) return this.lines[i]
    }

    return undefined
  }
}

/**
 * Imports accounts in ONE transaction while the records are read: each is checked (name, groups, that it is not
 * in the store nor earlier in the input) and inserted as it comes, and the first problem rolls everything back
 * with its line in the message; a process killed half-way leaves nothing, since SQLite discards an uncommitted
 * transaction. Reading the input inside the transaction keeps memory flat however long the input is; the price is
 * that other writers wait while a slow pipe feeds the import.
 */
export function importAccounts(ctx: Context, records: Iterable<ImportRecord>, progress?: ProgressReporter): ImportSummary {
  const started = performance.now()
  // A bigger page cache keeps the growing indexes in memory instead of spilling pages to the WAL mid-transaction;
  // 8 MiB holds the indexes of a 100,000-account import; more only adds memory.
  ctx.store.db.pragma('cache_size = -8192')
  return mutate(ctx, 'accounts.import', (summary) => `accounts:${summary.imported}`, () => {
    requireGlobalAdmin(ctx, {function: 'create', resource: 'accounts', action: 'accounts.import'})
    const {db} = ctx.store
    const groupExists = db.prepare('SELECT 1 FROM groups WHERE name = ?').pluck()
    // A name collides with the same name or one of the same key (accountNameKey: case, look-alike forms), stored
    // before or earlier in this input; legacy rows without a key are matched by name.
    const clashOf = db.prepare('SELECT id, name FROM accounts WHERE name = ? OR name_key = ? ORDER BY name = ? DESC LIMIT 1').raw()
    const insertAccount = db.prepare('INSERT INTO accounts (id, name, name_key, created_at) VALUES (?, ?, ?, ?)')
    const insertMember = db.prepare('INSERT INTO group_members (group_name, account_id, added_at) VALUES (?, ?, ?)')
    const knownGroups = new Set<string>()
    const inserted = new InsertedAccounts()
    const now = nowIso()
    let memberships = 0
    let done = 0
    for (const record of records) {
      for (const group of record.groups) {
        if (!knownGroups.has(group)) checkGroup(group, record.line, (name) => Boolean(groupExists.get(name)))
        knownGroups.add(group)
      }

      const id = newId()
      const key = accountNameKey(record.name)
      const clash = clashOf.get(record.name, key, record.name) as [string, string] | undefined
      if (clash !== undefined) {
        const [clashId, clashName] = clash
        const firstLine = inserted.lineOf(clashId)
        throw new ConflictError(
          firstLine === undefined
            ? `line ${record.line}: ${accountNameClash(record.name, clashName)}`
            : clashName === record.name
              ? `line ${record.line}: account '${preview(record.name)}' appears twice (first at line ${firstLine})`
              : `line ${record.line}: account '${preview(record.name)}' differs only in case or in look-alike characters from '${preview(clashName)}' (line ${firstLine})`,
        )
      }

      insertAccount.run(id, record.name, key, now)

      inserted.add(id, record.line)
      for (const group of record.groups) insertMember.run(group, id, now)
      memberships += record.groups.length
      done++
      if (progress && done % PROGRESS_STEP === 0) progress(done)
    }

    if (done === 0) throw new UsageError('nothing to import: the input holds no accounts')
    progress?.(done)
    return {imported: done, memberships, seconds: (performance.now() - started) / 1000}
  })
}

function checkGroup(group: string, line: number, exists: (name: string) => boolean): void {
  if (group === EVERYONE_GROUP) throw new UsageError(`line ${line}: every account is in 'everyone' already`)
  try {
    validateGroupName(group)
  } catch (error) {
    throw new UsageError(`line ${line}: ${(error as Error).message}`)
  }

  if (!exists(group)) throw new NotFoundError(`line ${line}: no group named '${group}'`)
}
