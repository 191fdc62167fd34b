import {verify as verifySignature} from 'node:crypto'

import type {Grant} from '../core/grants.js'
import type {Db} from '../store/store.js'
import type {Caller} from './context.js'
import {loadVerificationKeys, TOKEN_ALG, type VerificationKey} from './signing-keys.js'

/**
 * Token verification, the hot path of `tokens verify -` and of every `--token` caller. It checks the JWS by hand
 * with node:crypto rather than through jose: the keys are parsed once per verifier, identical headers are decoded
 * once, and the two revocation look-ups are prepared statements, so a verifier spends its time in Ed25519 itself.
 * Every claim is still checked strictly.
 */
export type TokenType = 'account' | 'ephemeral'

export type InvalidReason =
  | 'bad_signature'
  | 'expired'
  | 'malformed'
  | 'not_yet_valid'
  | 'retired_key'
  | 'revoked'
  | 'unknown_key'

/** The claims of a token this tool signs. */
export interface TokenClaims {
  jti: string
  sub: string
  iat: number
  nbf: number
  exp: number
  typ: TokenType
  role?: string
  grants: Grant[]
}

export interface VerifiedToken {
  valid: true
  reason: null
  jti: string
  accountId: string
  type: TokenType
  role: string | null
  grants: Grant[]
  kid: string
  issuedAt: Date
  notBefore: Date
  expiresAt: Date
}

export interface RejectedToken {
  valid: false
  reason: InvalidReason
  /** What the token claims, when it could be read at all; not to be trusted, only to tell tokens apart. */
  jti: string | null
  accountId: string | null
}

export type Verification = RejectedToken | VerifiedToken

export const SUBJECT_PREFIX = 'Account/'
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/
const HEX32 = /^[0-9a-f]{32}$/
const ED25519_SIGNATURE_BYTES = 64
/** Distinct headers remembered; a stream of garbage cannot grow the cache past this. */
const HEADER_CACHE_LIMIT = 256

type HeaderCheck = {kid: string} | {reason: InvalidReason}

/** Token strings whose Ed25519 signature verified, kept across verifiers by a long-running server (`serve`). */
export interface SignatureCache {
  has(token: string): boolean
  add(token: string): void
}

export class TokenVerifier {
  private readonly keys: Map<string, VerificationKey>
  private readonly headers = new Map<string, HeaderCheck>()
  private readonly recordedAndLive
  private readonly accountExists

  /**
   * `signatures` skips the Ed25519 check for a token string seen with a good signature before; only that check:
   * the key (known, not retired), validity period and revocation are checked on every call.
   */
  constructor(
    db: Db,
    private readonly signatures?: SignatureCache,
  ) {
    this.keys = loadVerificationKeys(db)
    // 1 when the recorded token is unrevoked, belongs to the claimed account and that account still exists.
    this.recordedAndLive = db
      .prepare(
        `SELECT t.revoked_at IS NULL AND t.account_id = ? AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id)
         FROM tokens t WHERE t.jti = ?`,
      )
      .pluck()
    this.accountExists = db.prepare('SELECT 1 FROM accounts WHERE id = ?').pluck()
  }

  /** Verifies one compact JWS; `nowMs` is the clock, for tests. */
  verify(token: string, nowMs: number = Date.now()): Verification {
    if (!JWS_COMPACT.test(token)) return rejected('malformed', null)
    const firstDot = token.indexOf('.')
    const secondDot = token.indexOf('.', firstDot + 1)
    const header = this.checkHeader(token.slice(0, firstDot))
    if ('reason' in header) return rejected(header.reason, peekClaims(token, firstDot, secondDot))
    const key = this.keys.get(header.kid)
    if (!key) return rejected('unknown_key', peekClaims(token, firstDot, secondDot))
    if (!key.publicKey) return rejected('retired_key', peekClaims(token, firstDot, secondDot))

    if (!this.signatures?.has(token)) {
      const signature = Buffer.from(token.slice(secondDot + 1), 'base64url')
      if (
        signature.length !== ED25519_SIGNATURE_BYTES ||
        !verifySignature(null, Buffer.from(token.slice(0, secondDot), 'latin1'), key.publicKey, signature)
      ) {
        return rejected('bad_signature', peekClaims(token, firstDot, secondDot))
      }

      this.signatures?.add(token)
    }

    const claims = parseClaims(token.slice(firstDot + 1, secondDot))
    if (!claims) return rejected('malformed', null)
    const accountId = claims.sub.slice(SUBJECT_PREFIX.length)
    const claimed = {jti: claims.jti, accountId}
    const nowSeconds = nowMs / 1000
    if (claims.nbf > nowSeconds) return rejected('not_yet_valid', claimed)
    if (claims.exp <= nowSeconds) return rejected('expired', claimed)
    const live =
      claims.typ === 'account'
        ? this.recordedAndLive.get(accountId, claims.jti) === 1
        : this.accountExists.get(accountId) !== undefined
    if (!live) return rejected('revoked', claimed)
    return {
      valid: true,
      reason: null,
      jti: claims.jti,
      accountId,
      type: claims.typ,
      role: claims.role ?? null,
      grants: claims.grants,
      kid: header.kid,
      issuedAt: new Date(claims.iat * 1000),
      notBefore: new Date(claims.nbf * 1000),
      expiresAt: new Date(claims.exp * 1000),
    }
  }

  private checkHeader(encoded: string): HeaderCheck {
    let check = this.headers.get(encoded)
    if (!check) {
      check = decodeHeader(encoded)
      if (this.headers.size < HEADER_CACHE_LIMIT) this.headers.set(encoded, check)
    }

    return check
  }
}

function rejected(reason: InvalidReason, claimed: {jti: string | null; accountId: string | null} | null): RejectedToken {
  return {valid: false, reason, jti: claimed?.jti ?? null, accountId: claimed?.accountId ?? null}
}

function decodeJson(encoded: string): unknown {
  try {
    return JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

/** Only EdDSA with a kid, typ JWT, and no `crit` extensions, which this verifier would not understand. */
function decodeHeader(encoded: string): HeaderCheck {
  const header = decodeJson(encoded) as Record<string, unknown> | undefined
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return {reason: 'malformed'}
  if (header.alg !== TOKEN_ALG || header.typ !== 'JWT' || header.crit !== undefined) return {reason: 'malformed'}
  if (typeof header.kid !== 'string' || header.kid === '') return {reason: 'malformed'}
  return {kid: header.kid}
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

function isGrant(value: unknown): value is Grant {
  if (typeof value !== 'object' || value === null) return false
  const grant = value as Record<string, unknown>
  return isStringList(grant.resources) && isStringList(grant.functions) && isStringList(grant.accounts) && isStringList(grant.entities)
}

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0

/** The payload, only if every claim has the type it must have. */
export function parseClaims(encoded: string): TokenClaims | undefined {
  const claims = decodeJson(encoded) as Record<string, unknown> | undefined
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined
  const {jti, sub, iat, nbf, exp, typ, role, grants} = claims
  if (typeof jti !== 'string' || !HEX32.test(jti)) return undefined
  if (typeof sub !== 'string' || !sub.startsWith(SUBJECT_PREFIX) || !HEX32.test(sub.slice(SUBJECT_PREFIX.length))) return undefined
  if (!isTime(iat) || !isTime(nbf) || !isTime(exp)) return undefined
  if (typ !== 'account' && typ !== 'ephemeral') return undefined
  if (role !== undefined && typeof role !== 'string') return undefined
  if (!Array.isArray(grants) || !grants.every((grant) => isGrant(grant))) return undefined
  return claims as unknown as TokenClaims
}

/** Reads jti and account from a token that failed before its claims were checked, to say which one it was. */
function peekClaims(token: string, firstDot: number, secondDot: number): {jti: string | null; accountId: string | null} {
  const claims = decodeJson(token.slice(firstDot + 1, secondDot)) as Record<string, unknown> | undefined
  if (typeof claims !== 'object' || claims === null) return {jti: null, accountId: null}
  const jti = typeof claims.jti === 'string' && HEX32.test(claims.jti) ? claims.jti : null
  const sub = typeof claims.sub === 'string' ? claims.sub : ''
  const accountId = sub.startsWith(SUBJECT_PREFIX) && HEX32.test(sub.slice(SUBJECT_PREFIX.length)) ? sub.slice(SUBJECT_PREFIX.length) : null
  return {jti, accountId}
}

/** Verifies one token against the store; for many, make one TokenVerifier and reuse it. */
export function verifyToken(db: Db, token: string, now: Date = new Date()): Verification {
  return new TokenVerifier(db).verify(token.trim(), now.getTime())
}

/** The caller a verified token stands for, for resolving `--token`. */
export function tokenCaller(token: VerifiedToken): Caller {
  return {kind: 'token', accountId: token.accountId, jti: token.jti, tokenType: token.type, grants: token.grants, expiresAt: token.expiresAt}
}

/** The machine-readable verdict printed by `tokens verify`, one per token. */
export interface VerificationJson {
  valid: boolean
  reason: InvalidReason | null
  jti: string | null
  accountId: string | null
  type: TokenType | null
  role: string | null
  expiresAt: string | null
}

export function verificationJson(verification: Verification): VerificationJson {
  if (!verification.valid) {
    return {valid: false, reason: verification.reason, jti: verification.jti, accountId: verification.accountId, type: null, role: null, expiresAt: null}
  }

  return {
    valid: true,
    reason: null,
    jti: verification.jti,
    accountId: verification.accountId,
    type: verification.type,
    role: verification.role,
    expiresAt: verification.expiresAt.toISOString(),
  }
}
