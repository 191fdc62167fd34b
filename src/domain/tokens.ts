import {randomBytes, sign} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'

import {dedupe, isAllWildcard, type TokenConfig, validateFunctionName, validateResourceName} from '../core/grant-input.js'
import {type AccessRequest, closestName, covers, type Decision, evaluate, type Grant, WILDCARD} from '../core/grants.js'
import {nowIso} from '../core/ids.js'
import {preview} from '../core/names.js'
import {looksSecret} from '../core/redact.js'
import {findRole, PUBLIC_ACCOUNT, type Role, ROLES} from '../core/roles.js'
import {formatTtl} from '../core/ttl.js'
import {ConflictError, DeniedError, NotFoundError, UsageError} from '../errors.js'
import type {Db, Store} from '../store/store.js'
import {findAccountById, findAccountByName, requireAccount} from './accounts.js'
import {mutate} from './audit.js'
import {isGlobalAdmin, requireGlobalAdmin, requireTokenPermits} from './authz.js'
import {actorOf, type Caller, type Context, type Page, type PageOf, pageOf} from './context.js'
import {ensureSigningKey, TOKEN_ALG} from './signing-keys.js'
import {
  recordAncestors,
  revokeAccountTokensIssuedUntil,
  revokeRecordedDescendants,
  tokensRevokedBefore,
} from './token-lineage.js'
import {
  MAX_TOKEN_ANCESTORS,
  SUBJECT_PREFIX,
  type TokenClaims,
  type TokenLink,
  type TokenType,
  TokenVerifier,
  type Verification,
  type VerifiedToken,
} from './token-verifier.js'

export {
  type InvalidReason,
  MAX_TOKEN_ANCESTORS,
  type TokenLink,
  type TokenType,
  TokenVerifier,
  tokenCaller,
  type Verification,
  verificationJson,
  type VerificationJson,
  type VerifiedToken,
  verifyToken,
} from './token-verifier.js'

const DAY_SECONDS = 86_400
export const DEFAULT_TTL_SECONDS: Record<TokenType, number> = {account: 90 * DAY_SECONDS, ephemeral: 3600}
export const MAX_EPHEMERAL_TTL_SECONDS = DAY_SECONDS
/** Longer than this, an Admin-strength token earns a warning: the seed advises short-lived ephemeral ones. */
export const POWERFUL_TOKEN_WARN_SECONDS = DAY_SECONDS
const MAX_LABEL_LENGTH = 200

export function requireRole(name: string): Role {
  const role = findRole(name)
  if (role) return role
  const names = ROLES.map((r) => r.name)
  // closestName compares in lower case, so it is given the names in lower case too.
  const closest = ROLES.find((r) => r.name.toLowerCase() === closestName(name, names.map((n) => n.toLowerCase())))?.name
  throw new UsageError(`unknown role '${preview(name)}'${closest ? ` (did you mean '${closest}'?)` : ''}`, {
    hint: `Known roles: ${names.join(', ')}.`,
  })
}

/**
 * What `tokens create` was asked for. Exactly one of `role`, `grants` (from flags) or `config` gives the grants;
 * account names in grants are resolved to ids here.
 */
export interface CreateTokenInput {
  type: TokenType
  /** The account, by id or name; may be omitted when `config` names it. */
  account?: string
  role?: string
  grants?: Grant[]
  config?: TokenConfig
  ttlSeconds?: number
  label?: string
}

export interface CreatedToken {
  /** The signed JWT: shown once, never stored. */
  token: string
  jti: string
  accountId: string
  type: TokenType
  role: string | null
  grants: Grant[]
  label: string | null
  kid: string
  issuedAt: string
  expiresAt: string
  ttlSeconds: number
  /** Whether the token is recorded (and so listable and revocable): account tokens are, ephemeral ones not. */
  recorded: boolean
  /** The token that minted it (its parent, whose revocation ends it), or null when no token did. */
  parentJti: string | null
  /** Set when the token is as strong as Admin and lives over a day. */
  warning: string | null
}

/** Checks everything that needs no store: the grant source, names, ttl and label. */
export function validateCreateInput(input: CreateTokenInput): {ttlSeconds: number; role?: Role} {
  const sources = [input.role !== undefined, input.grants !== undefined, input.config !== undefined].filter(Boolean).length
  if (sources !== 1) throw new UsageError('give exactly one of --role, -f/-r, or -c to say what the token grants')
  const ttlSeconds = input.ttlSeconds ?? DEFAULT_TTL_SECONDS[input.type]
  if (input.type === 'ephemeral' && ttlSeconds > MAX_EPHEMERAL_TTL_SECONDS) {
    throw new UsageError(`an ephemeral token lives at most 24h; --ttl ${formatTtl(ttlSeconds)} is longer`, {
      hint: 'Use -t account for a longer-lived (and revocable) token.',
    })
  }

  if (input.label !== undefined && (input.label.trim() === '' || input.label.length > MAX_LABEL_LENGTH)) {
    throw new UsageError(`a label has 1 to ${MAX_LABEL_LENGTH} characters`)
  }

  for (const grant of [...(input.grants ?? []), ...(input.config?.grants ?? [])]) {
    for (const name of grant.functions) validateFunctionName(name)
    for (const name of grant.resources) validateResourceName(name)
  }

  return {ttlSeconds, role: input.role === undefined ? undefined : requireRole(input.role)}
}

/** `public` and `*` stand for themselves; anything else is an account id or name, resolved to its id. */
function resolveGrantAccounts(db: Db, grant: Grant, ownAccountId: string): Grant {
  const accounts = grant.accounts.map((name) => (name === WILDCARD || name === PUBLIC_ACCOUNT ? name : requireAccount(db, name).id))
  // A grant that names neither accounts nor entities would match nothing; it means the token's own account.
  const own = accounts.length === 0 && grant.entities.length === 0 ? [ownAccountId] : accounts
  return {...grant, accounts: dedupe(own)}
}

function resolveTokenAccount(db: Db, input: CreateTokenInput): string {
  const fromFlag = input.account === undefined ? undefined : requireAccount(db, input.account).id
  const fromConfig = input.config?.account === undefined ? undefined : requireAccount(db, input.config.account).id
  if (fromFlag && fromConfig && fromFlag !== fromConfig) {
    throw new UsageError(`-i names account ${fromFlag} but the config names account ${fromConfig}; give one, or make them agree`)
  }

  const accountId = fromFlag ?? fromConfig
  if (!accountId) throw new UsageError('which account is the token for? Give -i ACCOUNT_ID (or `account:` in the config)')
  return accountId
}

type TokenCaller = Extract<Caller, {kind: 'token'}>

/** A token as its children name it among their ancestors. */
function linkOf(caller: TokenCaller): TokenLink {
  return {
    jti: caller.jti,
    sub: `${SUBJECT_PREFIX}${caller.accountId}`,
    typ: caller.tokenType,
    iat: Math.floor(caller.issuedAt.getTime() / 1000),
    kid: caller.kid,
  }
}

/**
 * The ancestry a token minted by this caller carries: the caller's own ancestors and the caller, root first.
 * Refused past the depth cap, so a token stays small and its verification bounded.
 */
function lineageOf(caller: Caller): TokenLink[] {
  if (caller.kind !== 'token') return []
  if (caller.ancestors.length >= MAX_TOKEN_ANCESTORS) {
    throw new UsageError(
      `a token minted by a token has at most ${MAX_TOKEN_ANCESTORS} ancestors, and the token creating it already has ${caller.ancestors.length}`,
      {hint: 'Mint it from a token closer to the root (one made by an administrator), or as an administrator.'},
    )
  }

  return [...caller.ancestors, linkOf(caller)]
}

/**
 * The rules for a token minting a token: its own account (or a global admin), no wider grants, no later expiry,
 * and a lineage that still stands: the caller was verified when the command started, but it or an ancestor may
 * have been revoked since.
 */
function checkTokenCaller(ctx: Context, accountId: string, grants: Grant[], expiresAtSeconds: number, lineage: readonly TokenLink[]): void {
  const {caller} = ctx
  if (caller.kind !== 'token') return
  const attempt = {function: 'create', resource: 'tokens', account: accountId, action: 'tokens.create', target: `account:${accountId}`}
  if (!ctx.store.read(() => new TokenVerifier(ctx.store.db).lineageLive(lineage))) {
    throw new DeniedError('permission denied: the token creating it, or a token it was minted by, has been revoked', attempt)
  }

  if (accountId === caller.accountId) requireTokenPermits(caller, attempt)
  else requireGlobalAdmin(ctx, attempt)
  if (!covers(caller.grants, grants)) {
    throw new DeniedError('permission denied: the new token would grant more than the token creating it', attempt)
  }

  if (expiresAtSeconds * 1000 > caller.expiresAt.getTime()) {
    throw new DeniedError(
      `permission denied: the new token would outlive the token creating it (which expires ${caller.expiresAt.toISOString()})`,
      attempt,
    )
  }
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

/**
 * Creates a token: resolves and checks everything, signs it with the store's active key (made on first use),
 * and records an `account` token (never the token itself) with its audit entry in one transaction.
 */
export async function createToken(ctx: Context, input: CreateTokenInput): Promise<CreatedToken> {
  const {ttlSeconds, role} = validateCreateInput(input)
  const lineage = lineageOf(ctx.caller)
  const {accountId, grants, revokedBefore} = ctx.store.read(() => {
    const {db} = ctx.store
    const accountId = resolveTokenAccount(db, input)
    const requested = role ? role.expand(accountId) : (input.grants ?? input.config!.grants)
    return {
      accountId,
      grants: role ? requested : requested.map((grant) => resolveGrantAccounts(db, grant, accountId)),
      revokedBefore: tokensRevokedBefore(db, accountId),
    }
  })
  const iat = await issueSecond(accountId, revokedBefore)
  const exp = iat + ttlSeconds
  checkTokenCaller(ctx, accountId, grants, exp, lineage)

  const key = await ensureSigningKey(ctx)
  const claims: TokenClaims = {
    jti: randomBytes(16).toString('hex'),
    sub: `${SUBJECT_PREFIX}${accountId}`,
    iat,
    nbf: iat,
    exp,
    typ: input.type,
    ...(role ? {role: role.name} : {}),
    ...(lineage.length > 0 ? {anc: lineage} : {}),
    grants,
  }
  const signingInput = `${base64urlJson({alg: TOKEN_ALG, kid: key.kid, typ: 'JWT'})}.${base64urlJson(claims)}`
  const token = `${signingInput}.${sign(null, Buffer.from(signingInput), key.privateKey).toString('base64url')}`
  const created: CreatedToken = {
    token,
    jti: claims.jti,
    accountId,
    type: input.type,
    role: role?.name ?? null,
    grants,
    label: input.label ?? null,
    kid: key.kid,
    issuedAt: new Date(iat * 1000).toISOString(),
    expiresAt: new Date(exp * 1000).toISOString(),
    ttlSeconds,
    recorded: input.type === 'account',
    parentJti: lineage.at(-1)?.jti ?? null,
    warning:
      isAllWildcard(grants) && ttlSeconds > POWERFUL_TOKEN_WARN_SECONDS
        ? `this token grants everything in every account and lives ${formatTtl(ttlSeconds)}; prefer a short-lived ephemeral token (-t ephemeral --ttl 1h)`
        : null,
  }

  if (created.recorded) {
    mutate(ctx, 'tokens.create', `token:${created.jti}`, () => {
      // The account may have gone between the read above and this write.
      if (!findAccountById(ctx.store.db, accountId)) throw new NotFoundError(`no account with id ${accountId}`)
      ctx.store.db
        .prepare(
          `INSERT INTO tokens (jti, account_id, type, role, grants, label, kid, created_at, created_by, not_before, expires_at, revoked_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        )
        .run(
          created.jti,
          accountId,
          created.type,
          created.role,
          JSON.stringify(grants),
          created.label,
          created.kid,
          // Milliseconds, unlike iat: listings keep the order tokens were made in.
          new Date().toISOString(),
          actorOf(ctx.caller),
          created.issuedAt,
          created.expiresAt,
        )
      recordAncestors(ctx.store.db, created.jti, lineage)
    })
  }

  return created
}

/** How long a token may wait for the second after an account-wide revocation; more means the clocks disagree. */
const MAX_REVOCATION_WAIT_MS = 1500

/**
 * The `iat` of a new token of the account. Revoking all of an account's tokens revokes those issued before the
 * next whole second; a token made within that second waits for it, or it would be born revoked.
 */
async function issueSecond(accountId: string, revokedBefore: number | null): Promise<number> {
  const now = Date.now()
  if (revokedBefore === null || Math.floor(now / 1000) >= revokedBefore) return Math.floor(now / 1000)
  const wait = revokedBefore * 1000 - now
  if (wait > MAX_REVOCATION_WAIT_MS) {
    throw new ConflictError(
      `the tokens of account ${accountId} were revoked up to ${new Date(revokedBefore * 1000).toISOString()}, later than this machine's clock`,
      {hint: "A token made now would be revoked at once. Check the clock of this machine and of the one that revoked them."},
    )
  }

  await sleep(wait)
  return revokedBefore
}

export type TokenStatus = 'active' | 'expired' | 'revoked'

/** A recorded token as listings show it: everything but the token itself, which is never stored. */
export interface TokenRecord {
  jti: string
  accountId: string
  accountName: string | null
  type: TokenType
  role: string | null
  label: string | null
  grants: Grant[]
  kid: string
  createdAt: string
  createdBy: string
  expiresAt: string
  revokedAt: string | null
  status: TokenStatus
}

interface TokenRow {
  jti: string
  account_id: string
  account_name: string | null
  type: TokenType
  role: string | null
  label: string | null
  grants: string
  kid: string
  created_at: string
  created_by: string
  expires_at: string
  revoked_at: string | null
}

const TOKEN_SELECT = `SELECT t.jti, t.account_id, a.name AS account_name, t.type, t.role, t.label, t.grants, t.kid,
  t.created_at, t.created_by, t.expires_at, t.revoked_at FROM tokens t LEFT JOIN accounts a ON a.id = t.account_id`

function toRecord(row: TokenRow, now: string): TokenRecord {
  return {
    jti: row.jti,
    accountId: row.account_id,
    accountName: row.account_name,
    type: row.type,
    role: row.role,
    label: row.label,
    grants: JSON.parse(row.grants) as Grant[],
    kid: row.kid,
    createdAt: row.created_at,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    status: row.revoked_at !== null || row.account_name === null ? 'revoked' : row.expires_at <= now ? 'expired' : 'active',
  }
}

/**
 * A token caller reaches its own account's tokens within its grants; other accounts' tokens need a global admin.
 */
function requireTokenAccess(ctx: Context, fn: string, accountId: string, action: string, target: string): void {
  const {caller} = ctx
  if (caller.kind !== 'token') return
  const attempt = {function: fn, resource: 'tokens', account: accountId, action, target}
  if (caller.accountId === accountId) requireTokenPermits(caller, attempt)
  else requireGlobalAdmin(ctx, attempt)
}

export function listTokens(ctx: Context, filter: Page & {account?: string; all?: boolean}): PageOf<TokenRecord> {
  return ctx.store.read(() => {
    const {db} = ctx.store
    let accountId = filter.account === undefined ? null : requireAccount(db, filter.account).id
    const {caller} = ctx
    // A token that is not a global admin's sees its own account's tokens only.
    if (accountId === null && caller.kind === 'token' && !isGlobalAdmin(db, caller.accountId)) accountId = caller.accountId
    if (accountId !== null) requireTokenAccess(ctx, 'get', accountId, 'tokens.list', `account:${accountId}`)
    else requireGlobalAdmin(ctx, {function: 'get', resource: 'tokens', account: WILDCARD, action: 'tokens.list'})
    const now = nowIso()
    // Two statements rather than one with `:account IS NULL OR ...`, so each walks an index in page order
    // (tokens_by_account or tokens_by_creation) instead of sorting the whole table for one page.
    const scope = accountId === null ? '' : 't.account_id = :account AND'
    const rows = db
      .prepare(
        `${TOKEN_SELECT} WHERE ${scope} (:all OR (t.revoked_at IS NULL AND t.expires_at > :now AND a.id IS NOT NULL))
         ORDER BY t.created_at, t.jti LIMIT :limit OFFSET :offset`,
      )
      .iterate({
        ...(accountId === null ? {} : {account: accountId}),
        all: filter.all ? 1 : 0,
        now,
        limit: filter.limit + 1,
        offset: filter.offset,
      }) as IterableIterator<TokenRow>
    return pageOf(rows, filter, (row) => toRecord(row, now))
  })
}

const JTI = /^[0-9a-f]{32}$/

function validateJti(jti: string): void {
  if (JTI.test(jti)) return
  if (looksSecret(jti)) {
    throw new UsageError('that is a token itself, not its id: give its jti (32 lowercase hexadecimal characters)', {
      hint: 'tokens verify shows the jti of a token; tokens list shows those of recorded tokens.',
    })
  }

  throw new UsageError(`'${preview(jti)}' is not a token id: a jti is 32 lowercase hexadecimal characters`)
}

function findToken(db: Db, jti: string): TokenRecord {
  const row = db.prepare(`${TOKEN_SELECT} WHERE t.jti = ?`).get(jti) as TokenRow | undefined
  if (!row) {
    throw new NotFoundError(`no recorded token with id ${jti}`, {
      hint: 'Ephemeral tokens are not recorded; they cannot be listed or revoked and expire on their own.',
    })
  }

  return toRecord(row, nowIso())
}

export function getToken(ctx: Context, jti: string): TokenRecord {
  validateJti(jti)
  return ctx.store.read(() => {
    const token = findToken(ctx.store.db, jti)
    requireTokenAccess(ctx, 'get', token.accountId, 'tokens.get', `token:${jti}`)
    return token
  })
}

export interface TokenRevocation {
  jti: string
  accountId: string
  revokedAt: string
  alreadyRevoked: boolean
  /**
   * Recorded tokens minted from it, at any depth, marked revoked now. Its ephemeral descendants end too, though
   * nothing records them: they carry it in their ancestry.
   */
  descendantsRevoked: number
}

/** Finds a recorded token to revoke, refusing (and auditing) as a revocation, not as a read. */
export function findTokenToRevoke(ctx: Context, jti: string): TokenRecord {
  validateJti(jti)
  return ctx.store.read(() => {
    const token = findToken(ctx.store.db, jti)
    requireTokenAccess(ctx, 'delete', token.accountId, 'tokens.revoke', `token:${jti}`)
    return token
  })
}

/** Revokes one recorded token and every recorded descendant; revoking it again changes nothing and says so. */
export function revokeToken(ctx: Context, jti: string): TokenRevocation {
  validateJti(jti)
  return mutate(ctx, 'tokens.revoke', `token:${jti}`, () => {
    const {db} = ctx.store
    const token = findToken(db, jti)
    requireTokenAccess(ctx, 'delete', token.accountId, 'tokens.revoke', `token:${jti}`)
    const now = nowIso()
    // Also when it was revoked already: a descendant recorded in the meantime is revoked all the same.
    const descendantsRevoked = revokeRecordedDescendants(db, now, {jti})
    if (token.revokedAt !== null) {
      return {jti, accountId: token.accountId, revokedAt: token.revokedAt, alreadyRevoked: true, descendantsRevoked}
    }

    db.prepare('UPDATE tokens SET revoked_at = ? WHERE jti = ?').run(now, jti)
    return {jti, accountId: token.accountId, revokedAt: now, alreadyRevoked: false, descendantsRevoked}
  })
}

export interface AccountTokensRevocation {
  accountId: string
  /** Recorded tokens of the account marked revoked now. */
  revoked: number
  /** Recorded tokens of any account minted from one of them (or from one of its ephemeral tokens). */
  descendantsRevoked: number
  revokedAt: string
  /** Every token of the account issued before this time is revoked, ephemeral ones included. */
  revokedBefore: string
}

/**
 * Revokes every token of an account issued until now: recorded ones are marked revoked, and the account's
 * revocation time ends its ephemeral tokens and every token minted from any of them.
 */
export function revokeAccountTokens(ctx: Context, account: string): AccountTokensRevocation {
  return mutate(ctx, 'tokens.revoke-all', (result) => `account:${result.accountId}`, () => {
    const {db} = ctx.store
    const accountId = requireAccount(db, account).id
    requireTokenAccess(ctx, 'delete', accountId, 'tokens.revoke-all', `account:${accountId}`)
    const nowMs = Date.now()
    const revokedAt = new Date(nowMs).toISOString()
    const revokedBefore = revokeAccountTokensIssuedUntil(db, accountId, nowMs)
    const revoked = db.prepare('UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL').run(revokedAt, accountId).changes
    const descendantsRevoked = revokeRecordedDescendants(db, revokedAt, {accountId, issuedBefore: revokedBefore})
    return {accountId, revoked, descendantsRevoked, revokedAt, revokedBefore: new Date(revokedBefore * 1000).toISOString()}
  })
}

export interface TokenCheck {
  valid: boolean
  reason: string | null
  jti: string | null
  accountId: string | null
  allowed: boolean
  request: AccessRequest
  matchedGrant: number | null
  trace: Decision['trace']
}

/**
 * Does the token allow the request? It is verified first; then its grants are evaluated with the trace kept for
 * --explain. An account given by name is resolved to its id, as `tokens create -a` does; `public`, `*` and unknown
 * names are matched as written. A long-running caller passes its own `verifier`, so the keys are not loaded per call.
 */
export function checkToken(
  store: Store,
  token: string,
  request: AccessRequest,
  verifier: TokenVerifier = new TokenVerifier(store.db),
): {verification: Verification; check: TokenCheck} {
  validateFunctionName(request.function)
  validateResourceName(request.resource)
  const verification = verifier.verify(token.trim())
  const account = request.account ?? null
  const resolved: AccessRequest = {
    ...request,
    account: account === null || account === WILDCARD || account === PUBLIC_ACCOUNT ? account : resolveAccountLoosely(store.db, account),
  }
  if (!verification.valid) {
    return {
      verification,
      check: {valid: false, reason: verification.reason, jti: verification.jti, accountId: verification.accountId, allowed: false, request: resolved, matchedGrant: null, trace: []},
    }
  }

  const decision = evaluate((verification as VerifiedToken).grants, resolved)
  return {
    verification,
    check: {
      valid: true,
      reason: decision.allowed ? null : 'not_granted',
      jti: verification.jti,
      accountId: verification.accountId,
      allowed: decision.allowed,
      request: resolved,
      matchedGrant: decision.matchedGrant,
      trace: decision.trace,
    },
  }
}

function resolveAccountLoosely(db: Db, account: string): string {
  return findAccountById(db, account)?.id ?? findAccountByName(db, account)?.id ?? account
}

/** A role's grants for an account, as a token made from it would carry them. */
export function roleGrants(roleName: string, accountId: string): {role: string; accountId: string; grants: Grant[]} {
  const role = requireRole(roleName)
  return {role: role.name, accountId, grants: role.expand(accountId)}
}
