import {nowIso} from '../core/ids.js'
import {type ListQuery, orderByClause, validateGlob} from '../core/list-query.js'
import {hashSecret, KEY_PREFIXES, newKeyId, newSecretKey, sameHash} from '../core/secrets.js'
import {ConflictError, DeniedError, NotFoundError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {mutate} from './audit.js'
import {requireGlobalAdmin} from './access.js'
import {actorOf, type Context} from './context.js'
import {isStoreLocked, lastingAdminKeys} from './lock.js'

export interface AdminKey {
  id: string
  label: string | null
  description: string | null
  createdAt: string
  createdBy: string
  expiresAt: string | null
  lastUsedAt: string | null
}

export interface CreatedAdminKey extends AdminKey {
  /** The key itself: shown once, here, and never again. */
  key: string
}

interface AdminKeyRow {
  id: string
  key_hash: string
  label: string | null
  description: string | null
  created_at: string
  created_by: string
  expires_at: string | null
  last_used_at: string | null
}

const toAdminKey = (row: AdminKeyRow): AdminKey => ({
  id: row.id,
  label: row.label,
  description: row.description,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
})

const ADMIN_KEYS = {function: 'admin', resource: '*'} as const

export function createAdminKey(
  ctx: Context,
  input: {label?: string; description?: string; ttlMs?: number},
): CreatedAdminKey {
  const key = newSecretKey(KEY_PREFIXES.admin)
  return mutate(ctx, 'admin-key.create', (created) => `admin-key:${created.id}`, () => {
    requireGlobalAdmin(ctx, {...ADMIN_KEYS, action: 'admin-key.create'})
    const now = new Date()
    const created: CreatedAdminKey = {
      id: newKeyId(),
      key,
      label: input.label ?? null,
      description: input.description ?? null,
      createdAt: now.toISOString(),
      createdBy: actorOf(ctx.caller),
      expiresAt: input.ttlMs === undefined ? null : new Date(now.getTime() + input.ttlMs).toISOString(),
      lastUsedAt: null,
    }
    ctx.store.db
      .prepare(
        `INSERT INTO admin_keys (id, key_hash, label, description, created_at, created_by, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(created.id, hashSecret(key), created.label, created.description, created.createdAt, created.createdBy, created.expiresAt)
    return created
  })
}

/** The fields `admin-key list --sort` takes; a handful of rows, so each sorts them all. */
export const ADMIN_KEY_SORT_COLUMNS = {
  id: 'id',
  label: 'label',
  description: 'description',
  created: 'created_at',
  'created-by': 'created_by',
  expires: 'expires_at',
  'last-used': 'last_used_at',
} as const

export function listAdminKeys(ctx: Context, query: ListQuery = {}): AdminKey[] {
  const orderBy = orderByClause(ADMIN_KEY_SORT_COLUMNS, query, 'created', 'id')
  const label = query.label === undefined ? null : validateGlob(query.label, '--label')
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'admin-key.list'})
    const rows = ctx.store.db
      .prepare(`SELECT * FROM admin_keys WHERE (:label IS NULL OR label GLOB :label) ORDER BY ${orderBy}`)
      .all({label}) as AdminKeyRow[]
    return rows.map(toAdminKey)
  })
}

function looksLikeKey(text: string): boolean {
  return text.startsWith(KEY_PREFIXES.admin)
}

/** Admin key ids are newKeyId()s: 16 hexadecimal characters. */
const ADMIN_KEY_ID = /^[0-9a-f]{16}$/

/** The audit target of an attempt on a key given by key or id: only an id is ever written down. */
const adminKeyTarget = (keyOrId: string) => (ADMIN_KEY_ID.test(keyOrId) ? `admin-key:${keyOrId}` : undefined)

function findByKeyOrId(db: Db, keyOrId: string): AdminKeyRow | undefined {
  if (looksLikeKey(keyOrId)) {
    return db.prepare('SELECT * FROM admin_keys WHERE key_hash = ?').get(hashSecret(keyOrId)) as AdminKeyRow | undefined
  }

  return db.prepare('SELECT * FROM admin_keys WHERE id = ?').get(keyOrId) as AdminKeyRow | undefined
}

/**
 * Finds the key to delete without deleting it, so the command can name it in its confirmation question. Refused
 * (and audited) as the deletion it is for, before anything is looked up; what is neither an id nor a key is
 * exit 2 and not repeated, since it may be a mistyped key.
 */
export function findAdminKey(ctx: Context, keyOrId: string): AdminKey {
  if (keyOrId.trim() === '') throw new UsageError('give the admin key or its id')
  requireGlobalAdmin(ctx, {...ADMIN_KEYS, action: 'admin-key.delete', target: adminKeyTarget(keyOrId)})
  if (!looksLikeKey(keyOrId) && !ADMIN_KEY_ID.test(keyOrId)) {
    throw new UsageError('that is neither an admin key id (16 hexadecimal characters) nor an admin key (acak_...)', {
      hint: 'See the ids with: accessctl admin-key list',
    })
  }

  const row = findByKeyOrId(ctx.store.db, keyOrId)
  if (!row) throw new NotFoundError(looksLikeKey(keyOrId) ? 'no such admin key' : `no admin key with id '${keyOrId}'`)
  return toAdminKey(row)
}

export function deleteAdminKey(ctx: Context, keyOrId: string): AdminKey {
  return mutate(ctx, 'admin-key.delete', (deleted) => `admin-key:${deleted.id}`, () => {
    const key = findAdminKey(ctx, keyOrId)
    const {db} = ctx.store
    // A locked store opens with an admin key only: it keeps one that never expires. (A store locked before that
    // rule may have only expiring keys; it keeps its last valid one, as it always did.)
    if (isStoreLocked(db)) {
      const lastLasting = key.expiresAt === null && lastingAdminKeys(db, key.id) === 0
      const otherValid = db.prepare('SELECT count(*) FROM admin_keys WHERE id <> ? AND (expires_at IS NULL OR expires_at > ?)')
        .pluck()
        .get(key.id, nowIso()) as number
      if (lastLasting || otherValid === 0) {
        throw new ConflictError(`the store is locked and this is its last ${lastLasting ? 'admin key that never expires' : 'valid admin key'}`, {
          hint: 'Unlock the store first (accessctl store unlock), or create another admin key without --ttl.',
        })
      }
    }

    db.prepare('DELETE FROM admin_keys WHERE id = ?').run(key.id)
    return key
  })
}

export type AdminKeyCheck = {valid: true; key: AdminKey} | {valid: false; reason: 'unknown_key' | 'expired' | 'malformed'}

/** Checks a presented key: looked up by its SHA-256, compared in constant time, expiry enforced. Writes nothing. */
export function checkAdminKey(db: Db, presented: string, now = new Date()): AdminKeyCheck {
  const key = presented.trim()
  if (!looksLikeKey(key)) return {valid: false, reason: 'malformed'}
  const hash = hashSecret(key)
  const row = db.prepare('SELECT * FROM admin_keys WHERE key_hash = ?').get(hash) as AdminKeyRow | undefined
  if (!row || !sameHash(row.key_hash, hash)) return {valid: false, reason: 'unknown_key'}
  if (row.expires_at !== null && row.expires_at <= now.toISOString()) return {valid: false, reason: 'expired'}
  return {valid: true, key: toAdminKey(row)}
}

const REASON_TEXT = {malformed: 'not an admin key', unknown_key: 'unknown admin key', expired: 'admin key expired'}

/**
 * Resolves `--admin-key` into its key, recording when it was last used (unless `record` is false: a store opened
 * read-only cannot take it); an invalid key is exit 3, never a fall-back.
 */
export function authenticateAdminKey(db: Db, presented: string, record = true): AdminKey {
  const check = checkAdminKey(db, presented)
  if (!check.valid) throw new DeniedError(`invalid credential: ${REASON_TEXT[check.reason]}`)
  if (record) db.transaction(() => db.prepare('UPDATE admin_keys SET last_used_at = ? WHERE id = ?').run(nowIso(), check.key.id)).immediate()
  return check.key
}

export function describeAdminKeyFailure(reason: keyof typeof REASON_TEXT): string {
  return REASON_TEXT[reason]
}
