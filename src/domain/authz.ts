import {type AccessRequest, allows} from '../core/grants.js'
import {EVERYONE_GROUP} from '../core/names.js'
import {DeniedError} from '../errors.js'
import type {Db} from '../store/store.js'
import type {Caller, Context} from './context.js'

/**
 * The account side and the token side of every permission decision meet here. A token caller is allowed an action
 * only when its account may do it AND its grants allow it; the operator and admin keys have full rights.
 */

/** Whether the account is in a group with the global `admin` privilege (including `everyone`). */
export function isGlobalAdmin(db: Db, accountId: string): boolean {
  const row = db
    .prepare(
      `SELECT 1 FROM groups g WHERE g.is_admin = 1 AND (g.name = ? OR EXISTS
         (SELECT 1 FROM group_members m WHERE m.group_name = g.name AND m.account_id = ?)) LIMIT 1`,
    )
    .get(EVERYONE_GROUP, accountId)
  return row !== undefined
}

/** The token side alone: callers that are not tokens are never limited by grants. */
export function tokenPermits(caller: Caller, request: AccessRequest): boolean {
  return caller.kind !== 'token' || allows(caller.grants, request)
}

export interface Attempt extends AccessRequest {
  /** The audit action, e.g. `accounts.delete`. */
  action: string
  /** The audit target, e.g. `account:<id>`. */
  target?: string
}

export function requireTokenPermits(caller: Caller, attempt: Attempt): void {
  if (!tokenPermits(caller, attempt)) {
    throw new DeniedError(
      `permission denied: the token does not grant '${attempt.function}' on '${attempt.resource}'` +
        (attempt.account ? ` in account ${attempt.account}` : ''),
      {action: attempt.action, target: attempt.target},
    )
  }
}

/** Account management, groups, other accounts' tokens and admin keys: global administrators only. */
export function requireGlobalAdmin(ctx: Context, attempt: Attempt): void {
  const {caller} = ctx
  if (caller.kind !== 'token') return
  if (!isGlobalAdmin(ctx.store.db, caller.accountId)) {
    throw new DeniedError(
      `permission denied: ${attempt.action} needs a global administrator (a member of a group with --admin)`,
      {action: attempt.action, target: attempt.target},
    )
  }

  requireTokenPermits(caller, attempt)
}

/**
 * What concerns one account (its record, its tokens): a token reaches its own account within its grants; any other
 * account needs a global administrator. The operator and admin keys pass.
 */
export function requireOwnAccountOrGlobalAdmin(ctx: Context, attempt: Attempt & {account: string}): void {
  const {caller} = ctx
  if (caller.kind !== 'token') return
  if (caller.accountId === attempt.account) requireTokenPermits(caller, attempt)
  else requireGlobalAdmin(ctx, attempt)
}
