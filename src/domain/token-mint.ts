import {randomBytes} from 'node:crypto'

import {dedupe, isAllWildcard, requireOneGrantSource, type TokenConfig, withCurrentNames} from '../core/grant-input.js'
import {covers, type Grant, WILDCARD} from '../core/grants.js'
import {PUBLIC_ACCOUNT, type Role, requireRole} from '../core/roles.js'
import {encodeToken, MAX_TOKEN_ANCESTORS, subjectOf, type TokenClaims, type TokenLink, type TokenType} from '../core/token-format.js'
import {nowIso} from '../core/ids.js'
import {isAccountId} from '../core/names.js'
import {formatTtl} from '../core/ttl.js'
import {ConflictError, DeniedError, NotFoundError, UsageError} from '../errors.js'
import {requireOwnAccountOrGlobalAdmin} from './access.js'
import {findAccountById, requireSeenAccount, seesAccount} from './accounts.js'
import {actorOf, type Caller, type Context} from './context.js'
import {ensureSigningKey} from './signing-keys.js'
import {mutate, recordAudit} from './audit.js'
import {advanceTokenGeneration, recordAncestors, revokeAccountRecordedTokens, revokeRecordedDescendants, tokenGeneration} from './token-lineage.js'
import {TokenVerifier} from './token-verifier.js'

/**
 * Minting: `tokens create`, by the operator, an admin key or a token (whose child the new token is). The grants
 * were checked where they entered (flags, config file or prompt); here they are resolved against the store and
 * held to the minting token's own.
 */

const DAY_SECONDS = 86_400
export const DEFAULT_TTL_SECONDS: Record<TokenType, number> = {account: 90 * DAY_SECONDS, ephemeral: 3600}
export const MAX_EPHEMERAL_TTL_SECONDS = DAY_SECONDS
/** Longer than this, an Admin-strength token earns a warning: the seed advises short-lived ephemeral ones. */
export const POWERFUL_TOKEN_WARN_SECONDS = DAY_SECONDS
const MAX_LABEL_LENGTH = 200

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
  /** Dyff's "a new token replaces the account's earlier ones": revoke them all in the transaction that records it. */
  revokeOthers?: boolean
}

/** What `--revoke-others` ended, as `tokens revoke -i ACCOUNT --all` reports it. */
export interface OthersRevoked {
  /** Recorded tokens of the account marked revoked. */
  revoked: number
  /** Recorded tokens minted from one of them, of any account. */
  descendantsRevoked: number
  /** The account's token generation, which the new token carries: every earlier token, ephemeral ones too, is of an earlier one. */
  generation: number
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
  /** With --revoke-others: what was revoked; null otherwise. */
  revokedOthers: OthersRevoked | null
  /** Set when the token is as strong as Admin and lives over a day. */
  warning: string | null
}

/** Checks everything that needs no store: the grant source, ttl and label (the grants' names were checked on entry). */
export function validateCreateInput(input: CreateTokenInput): {ttlSeconds: number; role?: Role} {
  requireOneGrantSource(input)
  const ttlSeconds = input.ttlSeconds ?? DEFAULT_TTL_SECONDS[input.type]
  if (input.type === 'ephemeral' && ttlSeconds > MAX_EPHEMERAL_TTL_SECONDS) {
    throw new UsageError(`an ephemeral token lives at most 24h; --ttl ${formatTtl(ttlSeconds)} is longer`, {
      hint: 'Use -t account for a longer-lived (and revocable) token.',
    })
  }

  if (input.revokeOthers && input.type !== 'account') {
    throw new UsageError('--revoke-others replaces the account\'s tokens with a recorded one: use it with -t account', {
      hint: 'To end every token of the account without a new one: accessctl tokens revoke -i ACCOUNT --all --yes',
    })
  }

  if (input.label !== undefined && (input.label.trim() === '' || input.label.length > MAX_LABEL_LENGTH)) {
    throw new UsageError(`a label has 1 to ${MAX_LABEL_LENGTH} characters`)
  }

  return {ttlSeconds, role: input.role === undefined ? undefined : requireRole(input.role)}
}

/** `public` and `*` stand for themselves; anything else is an account id or name, resolved to its id. */
/**
 * An account a grant names, as an id. Names must be of accounts the caller may see. A token may name any id without
 * learning whether it exists: a grant on an id that names no account matches nothing.
 */
export function resolveGrantAccount(ctx: Context, reference: string): string {
  if (reference === WILDCARD || reference === PUBLIC_ACCOUNT) return reference
  if (ctx.caller.kind === 'token' && isAccountId(reference) && !seesAccount(ctx, reference)) return reference
  return requireSeenAccount(ctx, reference).id
}

function resolveGrantAccounts(ctx: Context, grant: Grant, ownAccountId: string): Grant {
  grant = withCurrentNames(grant)
  const accounts = grant.accounts.map((reference) => resolveGrantAccount(ctx, reference))
  // A grant that names neither accounts nor entities would match nothing; it means the token's own account.
  const own = accounts.length === 0 && grant.entities.length === 0 ? [ownAccountId] : accounts
  return {...grant, accounts: dedupe(own)}
}

function resolveTokenAccount(ctx: Context, input: CreateTokenInput): string {
  const fromFlag = input.account === undefined ? undefined : requireSeenAccount(ctx, input.account).id
  const fromConfig = input.config?.account === undefined ? undefined : requireSeenAccount(ctx, input.config.account).id
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
    sub: subjectOf(caller.accountId),
    typ: caller.tokenType,
    iat: Math.floor(caller.issuedAt.getTime() / 1000),
    kid: caller.kid,
    ...(caller.generation === null ? {} : {gen: caller.generation}),
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

  requireOwnAccountOrGlobalAdmin(ctx, attempt)
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

/**
 * `--revoke-others` also revokes the account's tokens, so the caller must be allowed that too (checked before
 * anything is written). A token caller of that account, or minted from one, would be revoked with them, and the new
 * token, its child, with it: that is refused rather than handing out a token that is dead at once.
 */
function checkRevokeOthers(ctx: Context, accountId: string, lineage: readonly TokenLink[]): void {
  requireOwnAccountOrGlobalAdmin(ctx, {function: 'delete', resource: 'tokens', account: accountId, action: 'tokens.revoke-all', target: `account:${accountId}`})
  if (lineage.some((link) => link.sub === subjectOf(accountId))) {
    throw new UsageError(
      `--revoke-others would revoke the token creating the new one (it is of account ${accountId}, or was minted by one), and so the new token too`,
      {hint: 'Create it as the operator, with an admin key, or with a global administrator\'s token of another account.'},
    )
  }
}

/** Ends every earlier token of the account; called in the transaction that records the new one. */
function revokeEarlierTokens(ctx: Context, accountId: string, revokedAt: string): OthersRevoked {
  const {db} = ctx.store
  const generation = advanceTokenGeneration(db, accountId)
  const revoked = revokeAccountRecordedTokens(db, accountId, revokedAt)
  const descendantsRevoked = revokeRecordedDescendants(db, revokedAt, {accountId})
  recordAudit(db, {actor: actorOf(ctx.caller), action: 'tokens.revoke-all', target: `account:${accountId}`, outcome: 'ok'})
  return {revoked, descendantsRevoked, generation}
}

/**
 * Creates a token: resolves and checks everything, signs it with the store's active key (made on first use),
 * and records an `account` token (never the token itself) with its audit entry in one transaction.
 */
export async function createToken(ctx: Context, input: CreateTokenInput): Promise<CreatedToken> {
  const {ttlSeconds, role} = validateCreateInput(input)
  const lineage = lineageOf(ctx.caller)
  const {accountId, grants, generation} = ctx.store.read(() => {
    const {db} = ctx.store
    const accountId = resolveTokenAccount(ctx, input)
    const requested = role ? role.expand(accountId) : (input.grants ?? input.config!.grants)
    return {
      accountId,
      grants: role ? requested : requested.map((grant) => resolveGrantAccounts(ctx, grant, accountId)),
      generation: tokenGeneration(db, accountId),
    }
  })
  const iat = Math.floor(Date.now() / 1000)
  const exp = iat + ttlSeconds
  checkTokenCaller(ctx, accountId, grants, exp, lineage)
  if (input.revokeOthers) checkRevokeOthers(ctx, accountId, lineage)

  const key = await ensureSigningKey(ctx)
  const claims: TokenClaims = {
    jti: randomBytes(16).toString('hex'),
    sub: subjectOf(accountId),
    iat,
    nbf: iat,
    exp,
    typ: input.type,
    ...(role ? {role: role.name} : {}),
    // Minted in the generation that revoking the others moves to, so that it is the one token that survives it.
    gen: input.revokeOthers ? generation + 1 : generation,
    ...(lineage.length > 0 ? {anc: lineage} : {}),
    grants,
  }
  const created: CreatedToken = {
    token: encodeToken(claims, key.kid, key.privateKey),
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
    revokedOthers: null,
    warning:
      isAllWildcard(grants) && ttlSeconds > POWERFUL_TOKEN_WARN_SECONDS
        ? `this token grants everything in every account and lives ${formatTtl(ttlSeconds)}; prefer a short-lived ephemeral token (-t ephemeral --ttl 1h)`
        : null,
  }

  if (created.recorded) {
    mutate(ctx, 'tokens.create', `token:${created.jti}`, () => {
      // The account may have gone, or its tokens been revoked, between the read above and this write.
      if (!findAccountById(ctx.store.db, accountId)) throw new NotFoundError(`no account with id ${accountId}`)
      if (tokenGeneration(ctx.store.db, accountId) !== generation) {
        throw new ConflictError(`the tokens of account ${accountId} were revoked while this one was being made`, {
          hint: 'Run the command again: the new token would have been revoked at once.',
        })
      }
      // Before the insert: the new token is of the next generation and is not among the tokens revoked.
      if (input.revokeOthers) created.revokedOthers = revokeEarlierTokens(ctx, accountId, nowIso())
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
