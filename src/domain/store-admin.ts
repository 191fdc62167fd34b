import {statSync} from 'node:fs'

import {writeBackup} from '../store/backup-file.js'
import {literalPath} from '../store/private-files.js'
import {requireGlobalAdmin} from './access.js'
import type {Context} from './context.js'
import {isStoreLocked} from './lock.js'

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

    const locked = isStoreLocked(store.db)
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

/** Copies the store while it stays in use; the rules for the copy (private, never overwriting) are in backup-file.ts. */
export async function backupStore(ctx: Context, destination: string): Promise<StoreBackup> {
  const target = literalPath(destination, 'backup destination')
  requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'store.backup'})
  const pages = await writeBackup(ctx.store, target)
  return {source: ctx.store.path, destination: target, pages}
}
