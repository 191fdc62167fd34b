import {verify as verifySignature} from 'node:crypto'

import type {Grant} from '../core/grants.js'
import type {Db} from '../store/store.js'
import type {Caller} from './context.js'
import {loadVerificationKeys, TOKEN_ALG, type VerificationKey} from './signing-keys.js'

/**
 * Token verification, the hot path of `tokens verify -` and of every `--token` caller. It checks the JWS by hand
 * with node:crypto rather than through jose: the keys are parsed once per verifier, identical headers are decoded
 * once, and the two revocation look-ups are prepared statements, so a verifier spends its time in Ed25519 itself.
 * Every claim is still checked strictly, every part of the token must be canonical base64url, and a token minted
 * by a token is checked with its whole ancestry (the `anc` claim), so revoking an ancestor ends it.
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

/**
 * One ancestor of a token minted by a token, as the `anc` claim lists them (root first, the parent last). Ephemeral
 * tokens are not recorded, so the claim is what lets a verifier tell that an ancestor was revoked: a recorded
 * ancestor by its row, any ancestor by its account (gone, or its tokens revoked since `iat`) and its signing key.
 */
export interface TokenLink {
  jti: string
  sub: string
  typ: TokenType
  iat: number
  kid: string
}

/** At most this many ancestors: a token minted from a token that already has as many is refused (exit 2). */
export const MAX_TOKEN_ANCESTORS = 8

/** The claims of a token this tool signs. */
export interface TokenClaims {
  jti: string
  sub: string
  iat: number
  nbf: number
  exp: number
  typ: TokenType
  role?: string
  /** Present only on a token minted by a token. */
  anc?: TokenLink[]
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
  /** The tokens it was minted by, root first; empty for a token made by the operator or an admin key. */
  ancestors: readonly TokenLink[]
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
const NO_ANCESTORS: readonly TokenLink[] = Object.freeze([])
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
  private readonly accountLive

  /**
   * `signatures` skips the Ed25519 check for a token string seen with a good signature before; only that check:
   * the key (known, not retired), validity period and revocation are checked on every call.
   */
  constructor(
    db: Db,
    private readonly signatures?: SignatureCache,
  ) {
    this.keys = loadVerificationKeys(db)
    // A row when the recorded token is unrevoked, belongs to the claimed account, that account still exists and
    // its tokens were not all revoked after this one was issued.
    this.recordedAndLive = db
      .prepare(
        `SELECT 1 FROM tokens t JOIN accounts a ON a.id = t.account_id
         WHERE t.jti = ? AND t.account_id = ? AND t.revoked_at IS NULL
           AND (a.tokens_revoked_before IS NULL OR a.tokens_revoked_before <= ?)`,
      )
      .pluck()
    this.accountLive = db
      .prepare('SELECT 1 FROM accounts WHERE id = ? AND (tokens_revoked_before IS NULL OR tokens_revoked_before <= ?)')
      .pluck()
  }

  /** Verifies one compact JWS; `nowMs` is the clock, for tests. */
  verify(token: string, nowMs: number = Date.now()): Verification {
    if (!JWS_COMPACT.test(token)) return rejected('malformed', null)
    const firstDot = token.indexOf('.')
    const secondDot = token.indexOf('.', firstDot + 1)
    // JWS_COMPACT let only base64url characters through; the header's ending is checked (and cached) with the header.
    if (!hasCanonicalEnding(token, firstDot + 1, secondDot) || !hasCanonicalEnding(token, secondDot + 1, token.length)) {
      return rejected('malformed', null)
    }

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
    if (!this.linkLive(claims.jti, accountId, claims.typ, claims.iat)) return rejected('revoked', claimed)
    const ancestors = claims.anc ?? NO_ANCESTORS
    if (ancestors.length > 0 && !this.lineageLive(ancestors)) return rejected('revoked', claimed)
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
      ancestors,
    }
  }

  /**
   * Whether every token of a lineage still stands: signed by a key that still verifies, its account still there
   * with no account-wide revocation since it was issued, and, for a recorded token, its row unrevoked.
   */
  lineageLive(lineage: readonly TokenLink[]): boolean {
    for (const link of lineage) {
      if (!this.keys.get(link.kid)?.publicKey) return false
      if (!this.linkLive(link.jti, link.sub.slice(SUBJECT_PREFIX.length), link.typ, link.iat)) return false
    }

    return true
  }

  private linkLive(jti: string, accountId: string, type: TokenType, issuedAt: number): boolean {
    return type === 'account'
      ? this.recordedAndLive.get(jti, accountId, issuedAt) !== undefined
      : this.accountLive.get(accountId, issuedAt) !== undefined
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

/** The value of each base64url character, -1 for any other. */
const BASE64URL_VALUES = (() => {
  const values = new Int8Array(128).fill(-1)
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i
  return values
})()

/**
 * Whether text[start, end) is the one encoding of its bytes: unpadded base64url whose last character carries no
 * stray bits. Decoders ignore those bits, so without this check one token could be spelled up to 16 ways.
 */
export function isCanonicalBase64url(text: string, start = 0, end = text.length): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i)
    if (code >= 128 || BASE64URL_VALUES[code] < 0) return false
  }

  return hasCanonicalEnding(text, start, end)
}

/** The length and last-character half of isCanonicalBase64url, for text known to hold base64url characters only. */
function hasCanonicalEnding(text: string, start: number, end: number): boolean {
  const length = end - start
  const remainder = length % 4
  if (length === 0 || remainder === 1) return false
  if (remainder === 0) return true
  // Two characters left over carry one byte (4 spare bits), three carry two bytes (2 spare bits).
  return (BASE64URL_VALUES[text.charCodeAt(end - 1)] & (remainder === 2 ? 0x0f : 0x03)) === 0
}

/** Only EdDSA with a kid, typ JWT, and no `crit` extensions, which this verifier would not understand. */
function decodeHeader(encoded: string): HeaderCheck {
  if (!isCanonicalBase64url(encoded)) return {reason: 'malformed'}
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

const isSubject = (value: unknown): value is string =>
  typeof value === 'string' && value.startsWith(SUBJECT_PREFIX) && HEX32.test(value.slice(SUBJECT_PREFIX.length))

function isLink(value: unknown): value is TokenLink {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const link = value as Record<string, unknown>
  return (
    typeof link.jti === 'string' &&
    HEX32.test(link.jti) &&
    isSubject(link.sub) &&
    (link.typ === 'account' || link.typ === 'ephemeral') &&
    isTime(link.iat) &&
    typeof link.kid === 'string' &&
    link.kid !== ''
  )
}

const isLineage = (value: unknown): value is TokenLink[] =>
  Array.isArray(value) && value.length > 0 && value.length <= MAX_TOKEN_ANCESTORS && value.every((link) => isLink(link))

/** The payload, only if every claim has the type it must have. */
export function parseClaims(encoded: string): TokenClaims | undefined {
  const claims = decodeJson(encoded) as Record<string, unknown> | undefined
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined
  const {jti, sub, iat, nbf, exp, typ, role, anc, grants} = claims
  if (typeof jti !== 'string' || !HEX32.test(jti)) return undefined
  if (!isSubject(sub)) return undefined
  if (!isTime(iat) || !isTime(nbf) || !isTime(exp)) return undefined
  if (typ !== 'account' && typ !== 'ephemeral') return undefined
  if (role !== undefined && typeof role !== 'string') return undefined
  if (anc !== undefined && !isLineage(anc)) return undefined
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
  return {
    kind: 'token',
    accountId: token.accountId,
    jti: token.jti,
    tokenType: token.type,
    grants: token.grants,
    expiresAt: token.expiresAt,
    issuedAt: token.issuedAt,
    kid: token.kid,
    ancestors: token.ancestors,
  }
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
