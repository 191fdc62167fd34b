import {type KeyObject, sign} from 'node:crypto'

import type {Grant} from './grants.js'

/**
 * The token format, both ways: claims in, compact JWS (EdDSA, typ JWT, with a kid) out, and back. Pure: no store, no
 * clock. Minting signs with `encodeToken`; the verifier (domain/token-verifier.ts) reads with the checks below, in
 * the order its hot path needs them, and keeps the keys, the caches and the revocation look-ups to itself.
 */
export const TOKEN_ALG = 'EdDSA'

export type TokenType = 'account' | 'ephemeral'

/**
 * One ancestor of a token minted by a token, as the `anc` claim lists them (root first, the parent last). Ephemeral
 * tokens are not recorded, so the claim is what lets a verifier tell that an ancestor was revoked: a recorded
 * ancestor by its row, any ancestor by its account (gone, or its tokens revoked since: its `gen`) and its key.
 */
export interface TokenLink {
  jti: string
  sub: string
  typ: TokenType
  iat: number
  kid: string
  /** The account's token generation when it was minted; absent on tokens minted before generations existed. */
  gen?: number
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
  /**
   * The account's token generation when the token was minted. "Revoke all" and deleting the account move the
   * generation on, so every earlier token ends whatever its `iat` or `nbf` say: revocation that no clock can undo.
   * Absent on tokens minted before generations existed (schema version 4), which count as generation 0.
   */
  gen?: number
  /** Present only on a token minted by a token. */
  anc?: TokenLink[]
  grants: Grant[]
}

export const SUBJECT_PREFIX = 'Account/'

/** The `sub` claim of a token of the account. */
export const subjectOf = (accountId: string): string => `${SUBJECT_PREFIX}${accountId}`

/** The account of a `sub` claim already checked to be one (isSubject). */
export const accountOfSubject = (sub: string): string => sub.slice(SUBJECT_PREFIX.length)

export const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]+$/
export const ED25519_SIGNATURE_BYTES = 64
const HEX32 = /^[0-9a-f]{32}$/

const base64urlJson = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Signs the claims into a compact JWS with the Ed25519 key `kid`. */
export function encodeToken(claims: TokenClaims, kid: string, privateKey: KeyObject): string {
  const signingInput = `${base64urlJson({alg: TOKEN_ALG, kid, typ: 'JWT'})}.${base64urlJson(claims)}`
  return `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString('base64url')}`
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
export function hasCanonicalEnding(text: string, start: number, end: number): boolean {
  const length = end - start
  const remainder = length % 4
  if (length === 0 || remainder === 1) return false
  if (remainder === 0) return true
  // Two characters left over carry one byte (4 spare bits), three carry two bytes (2 spare bits).
  return (BASE64URL_VALUES[text.charCodeAt(end - 1)] & (remainder === 2 ? 0x0f : 0x03)) === 0
}

/** The kid of a header this tool would have written, or undefined for any other header. */
export function headerKid(encoded: string): string | undefined {
  // Only EdDSA with a kid, typ JWT, and no `crit` extensions, which the verifier would not understand.
  if (!isCanonicalBase64url(encoded)) return undefined
  const header = decodeJson(encoded) as Record<string, unknown> | undefined
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined
  if (header.alg !== TOKEN_ALG || header.typ !== 'JWT' || header.crit !== undefined) return undefined
  if (typeof header.kid !== 'string' || header.kid === '') return undefined
  return header.kid
}

/** The generation a token (or an ancestor link) was minted in: tokens older than generations count as 0. */
export const generationOf = (claims: {gen?: number}): number => claims.gen ?? 0

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string')

/**
 * The shape of a grant in a signed token. Its names were checked where the grant entered (flags, config file,
 * prompt) before it was signed; a verifier only needs to know it can evaluate it.
 */
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
    link.kid !== '' &&
    (link.gen === undefined || isTime(link.gen))
  )
}

const isLineage = (value: unknown): value is TokenLink[] =>
  Array.isArray(value) && value.length > 0 && value.length <= MAX_TOKEN_ANCESTORS && value.every((link) => isLink(link))

/** The payload, only if every claim has the type it must have. */
export function parseClaims(encoded: string): TokenClaims | undefined {
  const claims = decodeJson(encoded) as Record<string, unknown> | undefined
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return undefined
  const {jti, sub, iat, nbf, exp, typ, role, gen, anc, grants} = claims
  if (typeof jti !== 'string' || !HEX32.test(jti)) return undefined
  if (!isSubject(sub)) return undefined
  if (!isTime(iat) || !isTime(nbf) || !isTime(exp)) return undefined
  if (typ !== 'account' && typ !== 'ephemeral') return undefined
  if (role !== undefined && typeof role !== 'string') return undefined
  if (gen !== undefined && !isTime(gen)) return undefined
  if (anc !== undefined && !isLineage(anc)) return undefined
  if (!Array.isArray(grants) || !grants.every((grant) => isGrant(grant))) return undefined
  return claims as unknown as TokenClaims
}

/** Reads jti and account from a payload whose claims were not (or could not be) checked, to say which token it was. */
export function peekClaims(encoded: string): {jti: string | null; accountId: string | null} {
  const claims = decodeJson(encoded) as Record<string, unknown> | undefined
  if (typeof claims !== 'object' || claims === null) return {jti: null, accountId: null}
  const jti = typeof claims.jti === 'string' && HEX32.test(claims.jti) ? claims.jti : null
  const accountId = isSubject(claims.sub) ? accountOfSubject(claims.sub) : null
  return {jti, accountId}
}
