import {preview} from '../../core/names.js'
import {INFRA_PRIVILEGES, SERVICE_PRIVILEGES} from '../../core/deployer.js'
import {DeniedError, NotFoundError} from '../../errors.js'
import type {Db} from '../../store/store.js'
import {findAccountById, requireSeenAccount} from '../accounts.js'
import {isGlobalAdmin, requireGlobalAdmin} from '../access.js'
import {type Plan, planOf} from './checks.js'
import type {CanIAction, CanIQuestion, NeededPrivilege} from './question.js'
import type {Caller, Context} from '../context.js'
import {infraPrivilegesOf, servicePrivilegesOf, type Standing as Subject, standingOf} from '../object-access.js'
import {mayCreateServices} from '../services.js'
import {type GlobalPrivileges, globalPrivilegesOf, groupsOf} from '../whoami.js'

/**
 * `auth can-i`: whether the caller (or another account) may do an action. It asks the very guards the commands pass
 * through (object-access.ts, access.ts, and mayCreateServices for `service create`; see can-i-checks.ts), so its
 * answer cannot drift from what the commands allow; what it adds is the account's standing (groups, group
 * permissions on the object, ownership, global privileges) for --explain.
 */

export interface Standing {
  kind: 'service' | 'infrastructure'
  id: string
  /** What the subject holds on it, implications included (nothing when it may not see the object). */
  privileges: string[]
  owner: boolean
  /** Group rows that give the subject something on it: the groups it is in, with what each grants. */
  viaGroups: Array<{group: string; privileges: string[]}>
}

export interface CanIAnswer {
  allowed: boolean
  action: CanIAction
  target: string
  /** Who was asked about: the caller, or the account named by --as. */
  subject: {kind: 'operator' | 'admin-key' | 'account'; accountId: string | null; accountName: string | null; viaToken: boolean}
  needs: NeededPrivilege[]
  /** Only for an account: what it holds on the objects involved, and why. */
  standing: Standing[]
  groups: string[]
  globalPrivileges: GlobalPrivileges | null
  /** Why not, as the command would have refused (null when allowed). */
  reason: string | null
}

/**
 * May the caller (or the --as account) do it? The question is turned into the guard call the real command makes;
 * a guard that throws is a "no" with its message. Hidden and missing objects are both "no", as the commands answer
 * both with not found: can-i must not tell a caller more than the commands would.
 */
export function canI(ctx: Context, question: CanIQuestion): CanIAnswer {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const {context, subject, described} = subjectFor(ctx, question.as)
    const plan = planOf(db, question)
    let reason: string | null = null
    let hidden = false
    try {
      plan.check(context, subject)
    } catch (error) {
      if (!(error instanceof DeniedError) && !(error instanceof NotFoundError)) throw error
      reason = error.message
      hidden = error instanceof NotFoundError
    }

    const account = subject.kind === 'account' ? subject.accountId : null
    // Of an object the subject may not see, can-i says no more than the command would: that it is not found.
    const standing = subject.kind === 'account' && !hidden ? plan.objects.map((object) => standingOn(db, subject, object)) : []
    return {
      allowed: reason === null,
      action: question.action,
      target: plan.target,
      subject: described,
      needs: plan.needs.map((need) => ({...need, held: holds(db, subject, need, standing)})),
      standing,
      groups: account === null ? [] : groupsOf(db, account),
      globalPrivileges: account === null ? null : globalPrivilegesOf(db, account),
      reason,
    }
  })
}

/**
 * The caller as the guards see it, or with --as the named account acting with its own rights only: the context's
 * caller is then a full one, so no token narrows the account (as a token granting everything would not). Asking for
 * another account needs the operator, an admin key or a global administrator, like reading accounts does.
 */
export function subjectFor(ctx: Context, as: string | undefined): {context: Context; subject: Subject; described: CanIAnswer['subject']} {
  const {db} = ctx.store
  if (as === undefined) {
    const subject = standingOf(ctx)
    const {caller} = ctx
    if (caller.kind !== 'token') return {context: ctx, subject, described: {kind: caller.kind, accountId: null, accountName: null, viaToken: false}}
    const name = findAccountById(db, caller.accountId)?.name ?? null
    return {context: ctx, subject, described: {kind: 'account', accountId: caller.accountId, accountName: name, viaToken: true}}
  }

  // Who may ask about another account is decided before the account is looked up, so that a caller who may not ask
  // cannot tell from the answer whether it exists; a token narrowed away from that account does not see it either.
  if (ctx.caller.kind === 'token' && !isGlobalAdmin(db, ctx.caller.accountId)) {
    requireGlobalAdmin(ctx, {function: 'get', resource: 'accounts', action: 'auth.can-i', target: `account:${preview(as)}`})
  }

  const account = requireSeenAccount(ctx, as)
  requireGlobalAdmin(ctx, {function: 'get', resource: 'accounts', account: account.id, action: 'auth.can-i', target: `account:${account.id}`})
  // The account with its own rights only: a caller of that account whose grants allow everything, so the guards
  // ask exactly what the account holds and no token narrows it.
  const asCaller: Caller = {
    kind: 'token',
    accountId: account.id,
    jti: `can-i:${account.id}`,
    tokenType: 'ephemeral',
    grants: [{resources: ['*'], functions: ['*'], accounts: ['*'], entities: ['*']}],
    expiresAt: new Date(8.64e15),
    issuedAt: new Date(),
    kid: '',
    generation: null,
    ancestors: [],
  }
  const context: Context = {store: ctx.store, caller: asCaller}
  return {context, subject: standingOf(context), described: {kind: 'account', accountId: account.id, accountName: account.name, viaToken: false}}
}


function standingOn(db: Db, subject: Extract<Subject, {kind: 'account'}>, object: Plan['objects'][number]): Standing {
  const groups = groupsOf(db, subject.accountId)
  const marks = object.kind === 'service' ? SERVICE_PRIVILEGES : INFRA_PRIVILEGES
  const table = object.kind === 'service' ? 'service_permissions' : 'infra_permissions'
  const column = object.kind === 'service' ? 'service_id' : 'infra_id'
  const rows = db
    .prepare(`SELECT * FROM ${table} WHERE ${column} = ? AND group_name IN (SELECT value FROM json_each(?)) ORDER BY group_name`)
    .all(object.id, JSON.stringify(groups)) as Array<Record<string, unknown>>
  const viaGroups = rows
    .map((row) => ({group: row.group_name as string, privileges: marks.filter((mark) => row[`can_${mark}`] === 1) as string[]}))
    .filter((row) => row.privileges.length > 0)
  const privileges =
    object.kind === 'service'
      ? servicePrivilegesOf(db, subject, {id: object.id, ownerAccountId: object.ownerAccountId})
      : infraPrivilegesOf(db, subject, object.id)
  return {kind: object.kind, id: object.id, privileges, owner: object.kind === 'service' && object.ownerAccountId === subject.accountId, viaGroups}
}

function holds(db: Db, subject: Subject, need: Omit<NeededPrivilege, 'held'>, standing: Standing[]): boolean {
  if (subject.kind === 'full') return true
  if (need.kind === 'global') return need.privilege === 'admin' ? subject.globalAdmin : mayCreateServices(db, subject.accountId)
  return standing.some((s) => s.kind === need.kind && s.id === need.id && s.privileges.includes(need.privilege))
}
