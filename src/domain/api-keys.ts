import {newId, nowIso} from '../core/ids.js'
import {type ListQuery, orderByClause, validateGlob} from '../core/list-query.js'
import {looksSecret} from '../core/redact.js'
import {hashSecret, KEY_PREFIXES, newSecretKey, sameHash} from '../core/secrets.js'
import {UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {actorOf, type Context} from './context.js'

/**
 * The rows of query keys of services and deployments. The keys themselves (prefix, 32 random bytes, SHA-256,
 * constant-time comparison) are core/secrets.ts, as for admin keys; only the hash of a key is stored.
 */

export interface ApiKey {
  id: string
  label: string | null
  description: string | null
  createdAt: string
  createdBy: string
}

/** A key just created: the only time its secret exists outside the client's hands. */
export interface CreatedApiKey extends ApiKey {
  key: string
}

export type KeyTable = 'service_keys' | 'deployment_keys'
const OWNER_COLUMN: Record<KeyTable, string> = {service_keys: 'service_id', deployment_keys: 'deployment_id'}
const PREFIX: Record<KeyTable, string> = {service_keys: KEY_PREFIXES.service, deployment_keys: KEY_PREFIXES.deployment}

const KEY_ID = /^[0-9a-f]{32}$/

/**
 * Checks a key id argument before anything else, the confirmation question included: a key given in its place is
 * exit 2 and is never repeated back, as no secret is, not even a wrong one.
 */
export function validateKeyId(keyId: string, listCommand: string): void {
  if (looksSecret(keyId)) {
    throw new UsageError(`that is a key itself, not its id: give the id that \`${listCommand}\` shows`, {
      hint: 'A key on the command line shows in ps and in shell history: if it was a real one, delete it and make a new one.',
    })
  }
}

/** How a message names a key id that was given: quoted when it has the shape of one, otherwise not repeated. */
export function describeKeyId(keyId: string): string {
  return KEY_ID.test(keyId) ? `id '${keyId}'` : 'that id'
}

const MAX_LABEL = 200
const MAX_DESCRIPTION = 2000

function checkText(name: string, value: string | undefined, max: number): string | null {
  if (value === undefined) return null
  if (value.length > max) throw new UsageError(`--${name} has at most ${max} characters; this one has ${value.length}`)
  return value
}

export function validateKeyText(input: {label?: string; description?: string}): {label: string | null; description: string | null} {
  return {label: checkText('label', input.label, MAX_LABEL), description: checkText('description', input.description, MAX_DESCRIPTION)}
}

/** Inserts a new key for `ownerId` (inside the caller's transaction) and returns it with its secret. */
export function insertKey(
  ctx: Context,
  table: KeyTable,
  ownerId: string,
  text: {label: string | null; description: string | null},
): CreatedApiKey {
  const key = newSecretKey(PREFIX[table])
  const created: CreatedApiKey = {
    id: newId(),
    label: text.label,
    description: text.description,
    createdAt: nowIso(),
    createdBy: actorOf(ctx.caller),
    key,
  }
  ctx.store.db
    .prepare(
      `INSERT INTO ${table} (id, ${OWNER_COLUMN[table]}, key_hash, label, description, created_at, created_by)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(created.id, ownerId, hashSecret(key), created.label, created.description, created.createdAt, created.createdBy)
  return created
}

interface KeyRow {
  id: string
  label: string | null
  description: string | null
  created_at: string
  created_by: string
}

const toKey = (row: KeyRow): ApiKey => ({
  id: row.id,
  label: row.label,
  description: row.description,
  createdAt: row.created_at,
  createdBy: row.created_by,
})

/** The keys of one service or deployment, never their secrets (only hashes are stored anyway). */
/** The fields `service keys list` and `deployment keys list` sort by; an object has a handful of keys. */
export const API_KEY_SORT_COLUMNS = {id: 'id', label: 'label', created: 'created_at', 'created-by': 'created_by'} as const

export function listKeys(db: Db, table: KeyTable, ownerId: string, query: ListQuery = {}): ApiKey[] {
  const orderBy = orderByClause(API_KEY_SORT_COLUMNS, query, 'created', 'id')
  const label = query.label === undefined ? null : validateGlob(query.label, '--label')
  const rows = db
    .prepare(
      `SELECT id, label, description, created_at, created_by FROM ${table}
       WHERE ${OWNER_COLUMN[table]} = :owner AND (:label IS NULL OR label GLOB :label) ORDER BY ${orderBy}`,
    )
    .all({owner: ownerId, label}) as KeyRow[]
  return rows.map(toKey)
}

export function findKey(db: Db, table: KeyTable, ownerId: string, keyId: string): ApiKey | undefined {
  const row = db
    .prepare(`SELECT id, label, description, created_at, created_by FROM ${table} WHERE id = ? AND ${OWNER_COLUMN[table]} = ?`)
    .get(keyId, ownerId) as KeyRow | undefined
  return row && toKey(row)
}

export function deleteKeyRow(db: Db, table: KeyTable, keyId: string): void {
  db.prepare(`DELETE FROM ${table} WHERE id = ?`).run(keyId)
}

/**
 * Finds the key of `ownerId` that `presented` is, by its hash (an indexed look-up), and compares the hashes once
 * more in constant time so the answer does not depend on how much of a guess was right.
 */
export function matchKey(db: Db, table: KeyTable, ownerId: string, presented: string): ApiKey | undefined {
  return matchKeyHash(db, table, ownerId, hashSecret(presented))
}

/** matchKey, given the hash of the presented key (hashSecret), which a caller may remember its answer by. */
export function matchKeyHash(db: Db, table: KeyTable, ownerId: string, presentedHash: string): ApiKey | undefined {
  const row = db
    .prepare(
      `SELECT id, label, description, created_at, created_by, key_hash FROM ${table}
       WHERE key_hash = ? AND ${OWNER_COLUMN[table]} = ?`,
    )
    .get(presentedHash, ownerId) as (KeyRow & {key_hash: string}) | undefined
  return row && sameHash(row.key_hash, presentedHash) ? toKey(row) : undefined
}
