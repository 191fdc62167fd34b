import {chmodSync, existsSync, statSync} from 'node:fs'
import {resolve} from 'node:path'

import {ConflictError, StoreError, UsageError} from '../errors.js'
import {requireGlobalAdmin} from './authz.js'
import type {Context} from './context.js'

export interface StoreInfo {
  path: string
  schemaVersion: number
  sizeBytes: number
  journalMode: string
  locked: boolean
  counts: Record<string, number>
}

const COUNTED_TABLES = {
  accounts: 'accounts',
  groups: 'groups',
  memberships: 'group_members',
  tokens: 'tokens',
  signingKeys: 'signing_keys',
  adminKeys: 'admin_keys',
  services: 'services',
  infrastructures: 'infrastructures',
  deployments: 'deployments',
  auditEntries: 'audit_log',
} as const

export function storeInfo(ctx: Context): StoreInfo {
  const {store} = ctx
  return store.read(() => {
    requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'store.info'})
    const counts: Record<string, number> = {}
    for (const [key, table] of Object.entries(COUNTED_TABLES)) {
      counts[key] = store.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
    }

    const locked = store.db.prepare("SELECT value FROM settings WHERE key = 'locked'").pluck().get() === 'true'
    return {
      path: store.path,
      schemaVersion: store.schemaVersion(),
      sizeBytes: statSync(store.path).size,
      journalMode: String(store.db.pragma('journal_mode', {simple: true})),
      locked,
      counts,
    }
  })
}

export interface StoreCheck {
  path: string
  ok: boolean
  problems: string[]
}

/** SQLite's own integrity check plus a foreign-key check; a store that fails either is unusable (exit 6). */
export function checkStore(ctx: Context): StoreCheck {
  requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'store.check'})
  const {db, path} = ctx.store
  const integrity = db.pragma('integrity_check') as Array<{integrity_check: string}>
  const problems = integrity.map((row) => row.integrity_check).filter((line) => line !== 'ok')
  const foreignKeys = db.pragma('foreign_key_check') as Array<{table: string; rowid: number; parent: string}>
  for (const row of foreignKeys) problems.push(`${row.table} row ${row.rowid} points to a missing ${row.parent} row`)
  return {path, ok: problems.length === 0, problems}
}

export interface StoreBackup {
  source: string
  destination: string
  pages: number
}

/**
 * Copies the store with SQLite's online backup API: readers and writers carry on, and the copy is one consistent
 * snapshot. Refuses to overwrite an existing file.
 */
export async function backupStore(ctx: Context, destination: string): Promise<StoreBackup> {
  if (destination.trim() === '') throw new UsageError('the backup destination cannot be empty')
  requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'store.backup'})
  const target = resolve(destination)
  if (target === ctx.store.path) throw new UsageError('the backup destination is the store itself')
  if (existsSync(target)) throw new ConflictError(`${target} exists already; choose a new file for the backup`)
  try {
    const progress = await ctx.store.db.backup(target)
    chmodSync(target, 0o600)
    return {source: ctx.store.path, destination: target, pages: progress.totalPages}
  } catch (error) {
    throw new StoreError(`cannot write the backup to ${target}: ${(error as Error).message}`, {cause: error})
  }
}
