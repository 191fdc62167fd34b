import {verify as verifySignature} from 'node:crypto'

import type {Grant} from '../core/grants.js'
import {
  accountOfSubject,
  generationOf,
  ED25519_SIGNATURE_BYTES,
  hasCanonicalEnding,
  headerKid,
  JWS_COMPACT,
  parseClaims,
  peekClaims,
  type TokenClaims,
  type TokenLink,
  type TokenType,
} from '../core/token-format.js'
import {READ_NOW, type StoreReads} from '../store/remembered-reads.js'
import type {Db} from '../store/store.js'
import type {Caller} from './context.js'
import {loadVerificationKeys, type VerificationKey} from './signing-keys.js'

/**
 * Token verification, the hot path of `tokens verify -` and of every `--token` caller. It checks the JWS by hand
 * with node:crypto rather than through jose: the keys are parsed once per verifier, identical headers are decoded
 * once, and the two revocation look-ups are prepared statements, so a verifier spends its time in Ed25519 itself.
 * Every claim is still checked strictly, every part of the token must be canonical base64url, and a token minted
 * by a token is checked with its whole ancestry (the `anc` claim), so revoking an ancestor ends it.
 */
export type InvalidReason =
  | 'bad_signature'
  | 'expired'
  | 'malformed'
  | 'not_yet_valid'
  | 'retired_key'
  | 'revoked'
  | 'unknown_key'

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
  /** The account's token generation it was minted in; null for a token minted before generations existed. */
  generation: number | null
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

/** The account's generation, its schema-3 revocation time, and 1 when the token is recorded and unrevoked. */
type AccountState = [generation: number, revokedBefore: number | null, recordedLive: 1 | null]

const NO_ANCESTORS: readonly TokenLink[] = Object.freeze([])
/** Distinct headers remembered; a stream of garbage cannot grow the cache past this. */
const HEADER_CACHE_LIMIT = 256

type HeaderCheck = {kid: string} | {reason: InvalidReason}

/** Token strings whose Ed25519 signature verified, kept across verifiers by a long-running server (`serve`). */
export interface SignatureCache {
  has(token: string): boolean
  add(token: string): void
  /** Optional: the claims kept for a token (keepClaims), so that a token seen again is not decoded again. */
  claimsOf?(token: string): TokenClaims | undefined
  /** Optional: keeps the claims of a token it holds, for as long as it holds the token. */
  keepClaims?(token: string, claims: TokenClaims): void
}

export class TokenVerifier {
  private readonly keys: Map<string, VerificationKey>
  private readonly headers = new Map<string, HeaderCheck>()
  private readonly accountState

  /**
   * `signatures` skips the Ed25519 check for a token string seen with a good signature before; only that check:
   * the key (known, not retired), validity period and revocation are checked on every call. `reads` lets a
   * long-running caller keep the revocation state it reads while the store stays as it is (see RememberedReads).
   */
  constructor(
    db: Db,
    private readonly signatures?: SignatureCache,
    private readonly reads: StoreReads = READ_NOW,
  ) {
    this.keys = loadVerificationKeys(db)
    // One row while the account exists: its token generation, the revocation time that schema version 3 kept
    // (still in force for tokens minted before generations), and whether the token is recorded and unrevoked.
    this.accountState = db
      .prepare(
        `SELECT coalesce((SELECT generation FROM token_generations g WHERE g.account_id = a.id), 0),
                a.tokens_revoked_before,
                (SELECT 1 FROM tokens t WHERE t.jti = ? AND t.account_id = a.id AND t.revoked_at IS NULL)
         FROM accounts a WHERE a.id = ?`,
      )
      .raw()
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
    if ('reason' in header) return rejected(header.reason, peekClaims(token.slice(firstDot + 1, secondDot)))
    const key = this.keys.get(header.kid)
    if (!key) return rejected('unknown_key', peekClaims(token.slice(firstDot + 1, secondDot)))
    if (!key.publicKey) return rejected('retired_key', peekClaims(token.slice(firstDot + 1, secondDot)))

    // A token whose signature was good before is likely to come again: its claims and revocation state are kept
    // (while the store stays as it is). A first sighting keeps nothing, so a flood of distinct tokens leaves no
    // garbage behind to grow the heap.
    const seenBefore = this.signatures?.has(token) === true
    if (!seenBefore) {
      const signature = Buffer.from(token.slice(secondDot + 1), 'base64url')
      if (
        signature.length !== ED25519_SIGNATURE_BYTES ||
        !verifySignature(null, Buffer.from(token.slice(0, secondDot), 'latin1'), key.publicKey, signature)
      ) {
        return rejected('bad_signature', peekClaims(token.slice(firstDot + 1, secondDot)))
      }

      this.signatures?.add(token)
    }

    let claims = seenBefore ? this.signatures?.claimsOf?.(token) : undefined
    if (!claims) {
      claims = parseClaims(token.slice(firstDot + 1, secondDot))
      if (!claims) return rejected('malformed', null)
      // Decoding the claims was the largest cost of a token whose signature is cached. Frozen, since every
      // verification of this token will hand out these very objects.
      if (seenBefore && this.signatures?.keepClaims) this.signatures.keepClaims(token, deepFreeze(claims))
    }

    const accountId = accountOfSubject(claims.sub)
    const claimed = {jti: claims.jti, accountId}
    const nowSeconds = nowMs / 1000
    if (claims.nbf > nowSeconds) return rejected('not_yet_valid', claimed)
    if (claims.exp <= nowSeconds) return rejected('expired', claimed)
    if (!this.linkLive(claims, accountId, seenBefore)) return rejected('revoked', claimed)
    const ancestors = claims.anc ?? NO_ANCESTORS
    if (ancestors.length > 0 && !this.lineageLive(ancestors, seenBefore)) return rejected('revoked', claimed)
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
      generation: claims.gen ?? null,
      ancestors,
    }
  }

  /**
   * Whether every token of a lineage still stands: signed by a key that still verifies, its account still there
   * and still in the generation the token was minted in, and, for a recorded token, its row unrevoked.
   */
  lineageLive(lineage: readonly TokenLink[], keep = false): boolean {
    for (const link of lineage) {
      if (!this.keys.get(link.kid)?.publicKey) return false
      if (!this.linkLive(link, accountOfSubject(link.sub), keep)) return false
    }

    return true
  }

  /** `keep`: the state read may be remembered (see StoreReads), for a token likely to come again. */
  private linkLive(token: Pick<TokenLink, 'gen' | 'iat' | 'jti' | 'typ'>, accountId: string, keep: boolean): boolean {
    const jti = token.typ === 'account' ? token.jti : null
    const read = () => this.accountState.get(jti, accountId) as AccountState | undefined
    const state = keep ? this.reads.remember(`account state\n${jti}\n${accountId}`, read) : this.reads.read(read)
    if (!state) return false
    const [generation, revokedBefore, recordedLive] = state
    if (generationOf(token) !== generation) return false
    // Before generations, "revoke all" was a time: tokens minted then still answer to it (their own clock's iat).
    if (token.gen === undefined && revokedBefore !== null && token.iat < revokedBefore) return false
    return token.typ !== 'account' || recordedLive === 1
  }

  private checkHeader(encoded: string): HeaderCheck {
    let check = this.headers.get(encoded)
    if (!check) {
      const kid = headerKid(encoded)
      check = kid === undefined ? {reason: 'malformed'} : {kid}
      if (this.headers.size < HEADER_CACHE_LIMIT) this.headers.set(encoded, check)
    }

    return check
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const inner of Object.values(value)) deepFreeze(inner)
  return value
}

function rejected(reason: InvalidReason, claimed: {jti: string | null; accountId: string | null} | null): RejectedToken {
  return {valid: false, reason, jti: claimed?.jti ?? null, accountId: claimed?.accountId ?? null}
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
    generation: token.generation,
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

/** Expiry times already written as ISO text, by their epoch milliseconds: a token asked about again has the same. */
const isoTimes = new Map<number, string>()
const ISO_TIMES_LIMIT = 256

function isoTime(date: Date): string {
  const ms = date.getTime()
  let text = isoTimes.get(ms)
  if (text === undefined) {
    text = date.toISOString()
    if (isoTimes.size >= ISO_TIMES_LIMIT) isoTimes.clear()
    isoTimes.set(ms, text)
  }

  return text
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
    expiresAt: isoTime(verification.expiresAt),
  }
}
