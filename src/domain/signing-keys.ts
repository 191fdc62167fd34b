import type {JWK} from 'jose'
import {createPrivateKey, createPublicKey, type KeyObject} from 'node:crypto'

import {nowIso} from '../core/ids.js'
import {type ListQuery, sortRows, type SortKeys} from '../core/list-query.js'
import {preview} from '../core/names.js'
import {TOKEN_ALG} from '../core/token-format.js'
import {ConflictError, NotFoundError} from '../errors.js'
import type {Db} from '../store/store.js'
import {mutate, recordAudit} from './audit.js'
import {requireGlobalAdmin} from './access.js'
import {actorOf, type Context} from './context.js'
import {revokeRecordedDescendants} from './token-lineage.js'

/**
 * The store's Ed25519 signing keys. The newest key that is not retired signs new tokens; every key that is not
 * retired still verifies the tokens it signed, so a rotation never breaks a token. Retiring a key is the way to
 * invalidate, at once, every token it signed.
 */
export interface SigningKey {
  kid: string
  alg: string
  createdAt: string
  retiredAt: string | null
  /** Whether this key signs new tokens. */
  active: boolean
}

interface KeyRow {
  kid: string
  alg: string
  private_jwk: string
  public_jwk: string
  created_at: string
  retired_at: string | null
}

export interface KeyMaterial {
  kid: string
  privateJwk: JWK
  publicJwk: JWK
}

/** A new Ed25519 pair; its kid is the RFC 7638 thumbprint of the public key, so it names the key itself. */
export async function newKeyMaterial(): Promise<KeyMaterial> {
  // jose is imported here, not at the top: only creating a key needs it, and every store command imports this
  // module (through the caller check), so a static import would make each of them load it at start-up.
  const {calculateJwkThumbprint, exportJWK, generateKeyPair} = await import('jose')
  const {privateKey, publicKey} = await generateKeyPair('EdDSA', {crv: 'Ed25519', extractable: true})
  const publicJwk = await exportJWK(publicKey)
  const privateJwk = await exportJWK(privateKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  return {kid, privateJwk, publicJwk}
}

const ACTIVE_KEY_SQL = 'SELECT * FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid LIMIT 1'

function activeKeyRow(db: Db): KeyRow | undefined {
  return db.prepare(ACTIVE_KEY_SQL).get() as KeyRow | undefined
}

function insertKey(db: Db, material: KeyMaterial): KeyRow {
  const row: KeyRow = {
    kid: material.kid,
    alg: TOKEN_ALG,
    private_jwk: JSON.stringify(material.privateJwk),
    public_jwk: JSON.stringify(material.publicJwk),
    created_at: nowIso(),
    retired_at: null,
  }
  db.prepare(
    'INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at) VALUES (?, ?, ?, ?, ?, NULL)',
  ).run(row.kid, row.alg, row.private_jwk, row.public_jwk, row.created_at)
  return row
}

export interface ActiveSigningKey {
  kid: string
  privateKey: KeyObject
}

/**
 * The key that signs new tokens, created on first use. The pair is generated outside the transaction (jose is
 * asynchronous, a SQLite transaction is not), and only inserted, and audited, if no other process made one
 * meanwhile: the check and the insert share one write transaction, so racing processes make one key, one row.
 */
export async function ensureSigningKey(ctx: Context): Promise<ActiveSigningKey> {
  let row = ctx.store.read(() => activeKeyRow(ctx.store.db))
  if (!row) {
    const material = await newKeyMaterial()
    row = ctx.store.write(() => {
      const {db} = ctx.store
      const made = activeKeyRow(db)
      if (made) return made
      const inserted = insertKey(db, material)
      recordAudit(db, {actor: actorOf(ctx.caller), action: 'tokens.keys.create', target: `signing-key:${inserted.kid}`, outcome: 'ok'})
      return inserted
    })
  }

  return {kid: row.kid, privateKey: createPrivateKey({key: JSON.parse(row.private_jwk) as JWK & {kty: string}, format: 'jwk'})}
}

function toSigningKey(row: KeyRow, activeKid: string | undefined): SigningKey {
  return {kid: row.kid, alg: row.alg, createdAt: row.created_at, retiredAt: row.retired_at, active: row.kid === activeKid}
}

/**
 * The fields `tokens keys list --sort` takes. A store has a handful of keys, so they are sorted in memory, which lets
 * `active` (not a column: the newest key not retired) sort as the others do; false before true, as 0 before 1.
 */
export const SIGNING_KEY_SORT_KEYS: SortKeys<SigningKey> = {
  kid: (key) => key.kid,
  created: (key) => key.createdAt,
  retired: (key) => key.retiredAt,
  active: (key) => (key.active ? 1 : 0),
}

export function listSigningKeys(ctx: Context, query: ListQuery = {}): SigningKey[] {
  const keys = ctx.store.read(() => {
    const {db} = ctx.store
    const activeKid = activeKeyRow(db)?.kid
    const rows = db.prepare('SELECT * FROM signing_keys').all() as KeyRow[]
    return rows.map((row) => toSigningKey(row, activeKid))
  })
  return sortRows(keys, SIGNING_KEY_SORT_KEYS, query, 'created', 'kid')
}

const keyAdmin = (action: string, target?: string) => ({function: 'admin', resource: 'tokens', account: null, action, target})

/** Makes a new key the signing key; the old ones keep verifying the tokens they signed. */
export async function rotateSigningKey(ctx: Context): Promise<SigningKey> {
  requireGlobalAdmin(ctx, keyAdmin('tokens.keys.rotate'))
  const material = await newKeyMaterial()
  const row = mutate(ctx, 'tokens.keys.rotate', `signing-key:${material.kid}`, () => insertKey(ctx.store.db, material))
  return toSigningKey(row, row.kid)
}

export function requireSigningKey(ctx: Context, kid: string): SigningKey {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const row = db.prepare('SELECT * FROM signing_keys WHERE kid = ?').get(kid) as KeyRow | undefined
    if (!row) throw new NotFoundError(`no signing key with kid '${preview(kid)}'`, {hint: 'See the kids with: accessctl tokens keys list'})
    return toSigningKey(row, activeKeyRow(db)?.kid)
  })
}

/** Finds the key to retire, to name it in the confirmation; refused (and audited) as the retirement it is for. */
export function findSigningKeyToRetire(ctx: Context, kid: string): SigningKey {
  requireGlobalAdmin(ctx, keyAdmin('tokens.keys.retire', `signing-key:${kid}`))
  return requireSigningKey(ctx, kid)
}

export interface KeyRetirement {
  key: SigningKey
  alreadyRetired: boolean
  /** The key that signs new tokens afterwards. */
  activeKid: string
}

/**
 * Retires a key: every token it signed stops verifying, and so does every token minted from one of them (their
 * recorded descendants are marked revoked). The last key that is not retired cannot go, because then no token
 * could be made or verified; rotate first, then retire the old key.
 */
export function retireSigningKey(ctx: Context, kid: string): KeyRetirement {
  requireGlobalAdmin(ctx, keyAdmin('tokens.keys.retire', `signing-key:${kid}`))
  return mutate(ctx, 'tokens.keys.retire', `signing-key:${kid}`, () => {
    const {db} = ctx.store
    const key = requireSigningKey(ctx, kid)
    if (key.retiredAt !== null) return {key, alreadyRetired: true, activeKid: activeKeyRow(db)?.kid ?? ''}
    const others = db.prepare('SELECT count(*) FROM signing_keys WHERE retired_at IS NULL AND kid <> ?').pluck().get(kid) as number
    if (others === 0) {
      throw new ConflictError(`key ${kid} is the only signing key that is not retired`, {
        hint: 'Run `accessctl tokens keys rotate` first to make a new signing key, then retire this one.',
      })
    }

    const retiredAt = nowIso()
    db.prepare('UPDATE signing_keys SET retired_at = ? WHERE kid = ?').run(retiredAt, kid)
    revokeRecordedDescendants(db, retiredAt, {kid})
    const activeKid = activeKeyRow(db)!.kid
    return {key: {...key, retiredAt, active: false}, alreadyRetired: false, activeKid}
  })
}

export interface Jwks {
  keys: JWK[]
}

/**
 * The public keys that still verify, as a JWKS document any JOSE library can use. It makes no key: it is read
 * without a credential, and the first token makes the first key anyway.
 */
export function publicJwks(ctx: Context): Jwks {
  return ctx.store.read(() => {
    const rows = ctx.store.db
      .prepare('SELECT kid, alg, public_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid')
      .all() as KeyRow[]
    return {keys: rows.map((row) => ({...(JSON.parse(row.public_jwk) as JWK), kid: row.kid, alg: row.alg, use: 'sig'}))}
  })
}

export interface VerificationKey {
  /** Null for a retired key: it is known, but verifies nothing. */
  publicKey: KeyObject | null
}

/** Every known key by kid, each public key parsed once, so verifying many tokens costs no parsing per token. */
export function loadVerificationKeys(db: Db): Map<string, VerificationKey> {
  const rows = db.prepare('SELECT kid, public_jwk, retired_at FROM signing_keys').all() as KeyRow[]
  const keys = new Map<string, VerificationKey>()
  for (const row of rows) {
    keys.set(row.kid, {
      publicKey:
        row.retired_at === null
          ? createPublicKey({key: JSON.parse(row.public_jwk) as JWK & {kty: string}, format: 'jwk'})
          : null,
    })
  }

  return keys
}
