import {WILDCARD, type Grant} from '../core/grants.js'
import {nowIso} from '../core/ids.js'
import {type ListQuery, orderByClause, validateGlob} from '../core/list-query.js'
import {preview} from '../core/names.js'
import {looksSecret} from '../core/redact.js'
import type {TokenType} from '../core/token-format.js'
import {NotFoundError, UsageError} from '../errors.js'
import {requireSeenAccount} from './accounts.js'
import {mutate} from './audit.js'
import {isGlobalAdmin, requireGlobalAdmin, requireOwnAccountOrGlobalAdmin, requireSeen} from './access.js'
import {type Context, type Page, type PageOf, pageOf} from './context.js'
import {advanceTokenGeneration, revokeAccountRecordedTokens, revokeRecordedDescendants} from './token-lineage.js'

/**
 * The records of account tokens (never the tokens themselves): list, get, revoke one, revoke all of an account.
 * Minting is token-mint.ts, checking a token token-check.ts beside the verifier, the format core/token-format.ts.
 */

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
  requireOwnAccountOrGlobalAdmin(ctx, {function: fn, resource: 'tokens', account: accountId, action, target})
}

/**
 * The fields `tokens list --sort` takes, as shown (the account by its name, the status as toRecord computes it, from
 * the statement's :now). Created walks tokens_by_creation or tokens_by_account; the others sort every match.
 */
export const TOKEN_SORT_COLUMNS = {
  id: 't.jti',
  account: 'coalesce(a.name, t.account_id)',
  type: 't.type',
  role: 't.role',
  label: 't.label',
  created: 't.created_at',
  expires: 't.expires_at',
  status: "CASE WHEN t.revoked_at IS NOT NULL OR a.name IS NULL THEN 'revoked' WHEN t.expires_at <= :now THEN 'expired' ELSE 'active' END",
} as const

/** --name matches the account's name (what an operator looks tokens up by), --label the token's own label. */
export function listTokens(ctx: Context, filter: Page & ListQuery & {account?: string; all?: boolean}): PageOf<TokenRecord> {
  const orderBy = orderByClause(TOKEN_SORT_COLUMNS, filter, 'created', 't.jti')
  const name = filter.name === undefined ? null : validateGlob(filter.name)
  const label = filter.label === undefined ? null : validateGlob(filter.label, '--label')
  return ctx.store.read(() => {
    const {db} = ctx.store
    let accountId = filter.account === undefined ? null : requireSeenAccount(ctx, filter.account).id
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
         AND (:name IS NULL OR a.name GLOB :name) AND (:label IS NULL OR t.label GLOB :label)
         ORDER BY ${orderBy} LIMIT :limit OFFSET :offset`,
      )
      .iterate({
        ...(accountId === null ? {} : {account: accountId}),
        all: filter.all ? 1 : 0,
        now,
        name,
        label,
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

const tokenNotFound = (jti: string) =>
  new NotFoundError(`no recorded token with id ${jti}`, {
    hint: 'Ephemeral tokens are not recorded; they cannot be listed or revoked and expire on their own.',
  })

/**
 * A recorded token the caller may see: one of its own account's, or, as `tokens get` needs, of an account whose
 * tokens it may read. Another's answers exactly as a missing one.
 */
function findToken(ctx: Context, jti: string, action: string): TokenRecord {
  const row = ctx.store.db.prepare(`${TOKEN_SELECT} WHERE t.jti = ?`).get(jti) as TokenRow | undefined
  if (!row) throw tokenNotFound(jti)
  const token = toRecord(row, nowIso())
  const {caller} = ctx
  if (caller.kind === 'token' && caller.accountId !== token.accountId) {
    requireSeen(() => requireTokenAccess(ctx, 'get', token.accountId, action, `token:${jti}`), () => tokenNotFound(jti))
  }

  return token
}

export function getToken(ctx: Context, jti: string): TokenRecord {
  validateJti(jti)
  return ctx.store.read(() => {
    const token = findToken(ctx, jti, 'tokens.get')
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
    const token = findToken(ctx, jti, 'tokens.revoke')
    requireTokenAccess(ctx, 'delete', token.accountId, 'tokens.revoke', `token:${jti}`)
    return token
  })
}

/** Revokes one recorded token and every recorded descendant; revoking it again changes nothing and says so. */
export function revokeToken(ctx: Context, jti: string): TokenRevocation {
  validateJti(jti)
  return mutate(ctx, 'tokens.revoke', `token:${jti}`, () => {
    const {db} = ctx.store
    const token = findToken(ctx, jti, 'tokens.revoke')
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
  /**
   * The account's token generation from now on: every token minted before, ephemeral ones included and whatever
   * clock minted them, carries an earlier one and is revoked.
   */
  generation: number
}

/**
 * Revokes every token of an account minted until now: recorded ones are marked revoked, and the account's next
 * generation ends its ephemeral tokens and every token minted from any of them, whatever their clocks said.
 */
export function revokeAccountTokens(ctx: Context, account: string): AccountTokensRevocation {
  return mutate(ctx, 'tokens.revoke-all', (result) => `account:${result.accountId}`, () => {
    const {db} = ctx.store
    const accountId = requireSeenAccount(ctx, account).id
    requireTokenAccess(ctx, 'delete', accountId, 'tokens.revoke-all', `account:${accountId}`)
    const revokedAt = nowIso()
    const generation = advanceTokenGeneration(db, accountId)
    const revoked = revokeAccountRecordedTokens(db, accountId, revokedAt)
    // Every token of the account that exists now is of an earlier generation, so all their descendants end.
    const descendantsRevoked = revokeRecordedDescendants(db, revokedAt, {accountId})
    return {accountId, revoked, descendantsRevoked, revokedAt, generation}
  })
}

// Moved to their own homes; re-exported until the branches written against the old tokens.ts are merged.
export {createToken, type CreatedToken, type CreateTokenInput} from './token-mint.js'
export {checkToken, type TokenCheck} from './token-check.js'
export {requireRole, roleGrants} from '../core/roles.js'
