import {type AccessRequest, allows} from '../core/grants.js'
import {EVERYONE_GROUP} from '../core/names.js'
import {DeniedError, type NotFoundError, UnseenError} from '../errors.js'
import type {Db} from '../store/store.js'
import type {Caller, Context} from './context.js'

/**
 * Who may do what, for every command: the account side and the token side of each decision meet here. The caller
 * is the one model (context.ts): the operator and admin keys have full rights; a token acts as its account, and is
 * allowed an action only when its account may do it AND its grants allow it. Services, infrastructures and
 * deployments add their per-group privileges on top (object-access.ts).
 */

/**
 * An operation as the permission guard and the audit record both name it: the audit action and target, and the
 * (function, resource, owner account, object id) a token's grants are matched against.
 */
export interface Operation extends AccessRequest {
  /** The audit action, e.g. `accounts.delete`. */
  action: string
  /** The audit target, e.g. `account:<id>`. */
  target?: string
}

/**
 * The groups an account is in, `everyone` included, as an SQL `IN` operand; it takes the parameters
 * memberGroupParams(accountId).
 */
export const MEMBER_GROUPS = '(SELECT ? UNION ALL SELECT group_name FROM group_members WHERE account_id = ?)'
export const memberGroupParams = (accountId: string): [string, string] => [EVERYONE_GROUP, accountId]

/** Whether the account is in a group (`everyone` included) whose row satisfies `condition` (on `groups g`). */
export function inGroupWhere(db: Db, accountId: string, condition: string): boolean {
  return db.prepare(`SELECT 1 FROM groups g WHERE (${condition}) AND g.name IN ${MEMBER_GROUPS} LIMIT 1`).get(...memberGroupParams(accountId)) !== undefined
}

/** Whether the account is in a group with the global `admin` privilege (including `everyone`). */
export function isGlobalAdmin(db: Db, accountId: string): boolean {
  return inGroupWhere(db, accountId, 'g.is_admin = 1')
}

/** The account of the caller, which becomes the owner of what it creates; none for the operator and admin keys. */
export function callerAccount(ctx: Context): string | null {
  return ctx.caller.kind === 'token' ? ctx.caller.accountId : null
}

/** The token side alone: callers that are not tokens are never limited by grants. */
export function tokenPermits(caller: Caller, request: AccessRequest): boolean {
  return caller.kind !== 'token' || allows(caller.grants, request)
}

export function requireTokenPermits(caller: Caller, operation: Operation): void {
  if (!tokenPermits(caller, operation)) {
    throw new DeniedError(
      `permission denied: the token does not grant '${operation.function}' on '${operation.resource}'` +
        (operation.account ? ` in account ${operation.account}` : ''),
      {action: operation.action, target: operation.target},
    )
  }
}

/** Account management, groups, other accounts' tokens and admin keys: global administrators only. */
export function requireGlobalAdmin(ctx: Context, operation: Operation): void {
  const {caller} = ctx
  if (caller.kind !== 'token') return
  if (!isGlobalAdmin(ctx.store.db, caller.accountId)) {
    throw new DeniedError(
      `permission denied: ${operation.action} needs a global administrator (a member of a group with --admin)`,
      {action: operation.action, target: operation.target},
    )
  }

  requireTokenPermits(caller, operation)
}

/**
 * What concerns one account (its record, its tokens): a token reaches its own account within its grants; any other
 * account needs a global administrator. The operator and admin keys pass.
 */
export function requireOwnAccountOrGlobalAdmin(ctx: Context, operation: Operation & {account: string}): void {
  const {caller} = ctx
  if (caller.kind !== 'token') return
  if (caller.accountId === operation.account) requireTokenPermits(caller, operation)
  else requireGlobalAdmin(ctx, operation)
}

/**
 * The guard that decides whether the caller may see an object it named. If it refuses, the object does not exist
 * for the caller: the answer is `notFound()`, the one a missing object gets, so no exit code or message tells
 * "exists but not yours" from "does not exist". The refusal is still audited as a denied attempt.
 */
export function requireSeen(guard: () => void, notFound: () => NotFoundError): void {
  try {
    guard()
  } catch (error) {
    if (error instanceof DeniedError) throw new UnseenError(notFound(), error)
    throw error
  }
}
