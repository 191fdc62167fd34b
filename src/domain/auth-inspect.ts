import {
  denialMessage,
  DEPLOYMENT_ACTIONS,
  type DeploymentAction,
  INFRA_ACTIONS,
  INFRA_PRIVILEGES,
  type InfraAction,
  SERVICE_ACTIONS,
  SERVICE_PRIVILEGES,
  type ServiceAction,
  validateObjectId,
} from '../core/deployer.js'
import type {Grant} from '../core/grants.js'
import {EVERYONE_GROUP, preview} from '../core/names.js'
import {DeniedError, NotFoundError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {findAccountById, requireAccount} from './accounts.js'
import {isGlobalAdmin, requireGlobalAdmin, requireTokenPermits} from './access.js'
import type {Caller, Context} from './context.js'
import {
  guardDeployment,
  guardInfra,
  guardService,
  infraNotFound,
  infraPrivilegesOf,
  serviceNotFound,
  servicePrivilegesOf,
  type Standing as Subject,
  standingOf,
} from './object-access.js'
import {findDeployment} from './deployments.js'
import {findInfra} from './infrastructures.js'
import {findService, mayCreateServices} from './services.js'

/**
 * `auth whoami` and `auth can-i`: who the caller is, and whether it (or another account) may do an action. can-i
 * asks the very guards the commands pass through (deployer-access.ts, authz.ts, and mayCreateServices for
 * `service create`), so its answer cannot drift from what the commands allow; what it adds is the account's standing
 * (groups, group permissions on the object, ownership, global privileges) for --explain.
 */

export interface GlobalPrivileges {
  admin: boolean
  mayCreateServices: boolean
}

export type WhoAmI =
  | {kind: 'operator'; user: string; fullRights: true}
  | {kind: 'admin-key'; keyId: string; label: string | null; expiresAt: string | null; fullRights: true}
  | {
      kind: 'token'
      fullRights: false
      account: {id: string; name: string | null}
      groups: string[]
      globalPrivileges: GlobalPrivileges
      token: {jti: string; type: 'account' | 'ephemeral'; issuedAt: string; expiresAt: string; grants: Grant[]}
    }

/** The groups an account is in, `everyone` first. */
export function groupsOf(db: Db, accountId: string): string[] {
  const named = db.prepare('SELECT group_name FROM group_members WHERE account_id = ? ORDER BY group_name').pluck().all(accountId) as string[]
  return [EVERYONE_GROUP, ...named]
}

function globalPrivilegesOf(db: Db, accountId: string): GlobalPrivileges {
  return {admin: isGlobalAdmin(db, accountId), mayCreateServices: mayCreateServices(db, accountId)}
}

export function whoAmI(ctx: Context): WhoAmI {
  return ctx.store.read(() => {
    const {caller} = ctx
    const {db} = ctx.store
    switch (caller.kind) {
      case 'operator': {
        return {kind: 'operator', user: caller.user, fullRights: true}
      }

      case 'admin-key': {
        const row = db.prepare('SELECT label, expires_at FROM admin_keys WHERE id = ?').get(caller.keyId) as
          | {label: string | null; expires_at: string | null}
          | undefined
        return {kind: 'admin-key', keyId: caller.keyId, label: row?.label ?? null, expiresAt: row?.expires_at ?? null, fullRights: true}
      }

      case 'token': {
        return {
          kind: 'token',
          fullRights: false,
          account: {id: caller.accountId, name: findAccountById(db, caller.accountId)?.name ?? null},
          groups: groupsOf(db, caller.accountId),
          globalPrivileges: globalPrivilegesOf(db, caller.accountId),
          token: {
            jti: caller.jti,
            type: caller.tokenType,
            issuedAt: caller.issuedAt.toISOString(),
            expiresAt: caller.expiresAt.toISOString(),
            grants: caller.grants,
          },
        }
      }
    }
  })
}

// can-i

export const CAN_I_ACTIONS = ['create', 'read', 'write', 'deploy', 'administer'] as const
export type CanIAction = (typeof CAN_I_ACTIONS)[number]
/** Other words people type for the same actions (kubectl's get and delete are not Deployer privileges). */
const ACTION_WORDS: Record<string, CanIAction> = {get: 'read', view: 'read', see: 'read', admin: 'administer', manage: 'administer'}

export type TargetKind = 'service' | 'infrastructure' | 'deployment'
const KIND_WORDS: Record<string, TargetKind> = {
  service: 'service',
  services: 'service',
  infra: 'infrastructure',
  infras: 'infrastructure',
  infrastructure: 'infrastructure',
  infrastructures: 'infrastructure',
  deployment: 'deployment',
  deployments: 'deployment',
}

export interface CanITarget {
  kind: TargetKind
  id?: string
}

export function parseCanIAction(word: string): CanIAction {
  const action = (CAN_I_ACTIONS as readonly string[]).includes(word) ? (word as CanIAction) : ACTION_WORDS[word]
  if (!action) throw new UsageError(`'${preview(word)}' is not an action: use one of ${CAN_I_ACTIONS.join(', ')}`)
  return action
}

/** `service/fraud-scoring`, `infra/dev`, `deployment/x-on-dev`, or a kind alone (for create). */
export function parseCanITarget(text: string): CanITarget {
  const slash = text.indexOf('/')
  const word = slash === -1 ? text : text.slice(0, slash)
  const kind = KIND_WORDS[word]
  if (!kind) throw new UsageError(`'${preview(text)}' is not a target: use service/ID, infra/ID, deployment/ID, or service or infra alone to ask about create`)
  if (slash === -1) return {kind}
  return {kind, id: validateObjectId(kind, text.slice(slash + 1))}
}

/** One privilege an action needs, whether the subject holds it, and where what it holds comes from. */
export interface NeededPrivilege {
  kind: TargetKind | 'global'
  id: string | null
  privilege: string
  held: boolean
}

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

export interface CanIQuestion {
  action: CanIAction
  target: CanITarget
  /** With `deploy service/S` or `deploy infra/I`: the other half of the deployment, to ask about both. */
  service?: string
  infra?: string
  /** An account id or name: answer for that account (its own rights, no token limits). */
  as?: string
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
function subjectFor(ctx: Context, as: string | undefined): {context: Context; subject: Subject; described: CanIAnswer['subject']} {
  const {db} = ctx.store
  if (as === undefined) {
    const subject = standingOf(ctx)
    const {caller} = ctx
    if (caller.kind !== 'token') return {context: ctx, subject, described: {kind: caller.kind, accountId: null, accountName: null, viaToken: false}}
    const name = findAccountById(db, caller.accountId)?.name ?? null
    return {context: ctx, subject, described: {kind: 'account', accountId: caller.accountId, accountName: name, viaToken: true}}
  }

  const account = requireAccount(db, as)
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
    ancestors: [],
  }
  const context: Context = {store: ctx.store, caller: asCaller}
  return {context, subject: standingOf(context), described: {kind: 'account', accountId: account.id, accountName: account.name, viaToken: false}}
}

interface Plan {
  target: string
  needs: Array<Omit<NeededPrivilege, 'held'>>
  objects: Array<{kind: 'service' | 'infrastructure'; id: string; ownerAccountId: string | null}>
  check: (context: Context, subject: Subject) => void
}

const ATTEMPT = {action: 'auth.can-i'}

const SERVICE_ACTION_OF: Partial<Record<CanIAction, ServiceAction>> = {read: 'see', write: 'versions', administer: 'settings'}
const INFRA_ACTION_OF: Partial<Record<CanIAction, InfraAction>> = {read: 'see', administer: 'settings'}
const DEPLOYMENT_ACTION_OF: Partial<Record<CanIAction, DeploymentAction>> = {read: 'see', deploy: 'update'}

function planOf(db: Db, question: CanIQuestion): Plan {
  const {action, target} = question
  if (action === 'create') return createPlan(target)
  if (target.id === undefined) {
    throw new UsageError(`${action} needs one object: ${target.kind === 'infrastructure' ? 'infra' : target.kind}/ID (a kind alone is for create)`)
  }

  const {id} = target
  switch (target.kind) {
    case 'service': {
      if (action === 'deploy') return deployPlan(db, question.service ?? id, question.infra, `service/${id}`)
      const serviceAction = SERVICE_ACTION_OF[action]!
      const service = findService(db, id)
      const object = {kind: 'service' as const, id, ownerAccountId: service?.ownerAccountId ?? null}
      return {
        target: `service/${id}`,
        needs: [{kind: 'service', id, privilege: SERVICE_ACTIONS[serviceAction].needs}],
        objects: service ? [object] : [],
        check(context) {
          if (!service) throw serviceNotFound(id)
          guardService(context, object, serviceAction, {...ATTEMPT, target: `service:${id}`})
        },
      }
    }

    case 'infrastructure': {
      if (action === 'deploy') return deployPlan(db, question.service, question.infra ?? id, `infra/${id}`)
      const infraAction = INFRA_ACTION_OF[action]
      if (!infraAction) throw new UsageError('an infrastructure has no write privilege: ask read (view), deploy or administer')
      const infra = findInfra(db, id)
      const object = {kind: 'infrastructure' as const, id, ownerAccountId: infra?.ownerAccountId ?? null}
      return {
        target: `infra/${id}`,
        needs: [{kind: 'infrastructure', id, privilege: INFRA_ACTIONS[infraAction].needs}],
        objects: infra ? [object] : [],
        check(context) {
          if (!infra) throw infraNotFound(id)
          guardInfra(context, object, infraAction, {...ATTEMPT, target: `infrastructure:${id}`})
        },
      }
    }

    case 'deployment': {
      const deploymentAction = DEPLOYMENT_ACTION_OF[action]
      if (!deploymentAction) {
        throw new UsageError('a deployment has no permissions of its own: ask read or deploy (update, enable, disable, delete need deploy on its service and infra)')
      }

      const deployment = findDeployment(db, id)
      const service = deployment ? findService(db, deployment.service) : undefined
      const needs = DEPLOYMENT_ACTIONS[deploymentAction]
      return {
        target: `deployment/${id}`,
        needs: deployment
          ? [
              {kind: 'service', id: deployment.service, privilege: needs.service},
              {kind: 'infrastructure', id: deployment.infrastructure, privilege: needs.infra},
            ]
          : [],
        objects:
          deployment && service
            ? [
                {kind: 'service', id: service.id, ownerAccountId: service.ownerAccountId},
                {kind: 'infrastructure', id: deployment.infrastructure, ownerAccountId: findInfra(db, deployment.infrastructure)?.ownerAccountId ?? null},
              ]
            : [],
        check(context) {
          if (!deployment || !service) throw new NotFoundError(`no deployment with id '${preview(id)}'`)
          guardDeployment(
            context,
            {
              deployment: {id, ownerAccountId: deployment.ownerAccountId},
              service: {id: service.id, ownerAccountId: service.ownerAccountId},
              infraId: deployment.infrastructure,
            },
            deploymentAction,
            {...ATTEMPT, target: `deployment:${id}`},
          )
        },
      }
    }
  }
}

/**
 * `deploy service/S` (and `deploy infra/I`) alone: the half of `deployment create` about that object. With the other
 * half given (--infra / --service), exactly the check of `deployment create --service S --infra I`.
 */
function deployPlan(db: Db, serviceId: string | undefined, infraId: string | undefined, target: string): Plan {
  const service = serviceId === undefined ? undefined : findService(db, serviceId)
  const infra = infraId === undefined ? undefined : findInfra(db, infraId)
  const {service: servicePrivilege, infra: infraPrivilege} = DEPLOYMENT_ACTIONS.create
  const needs: Plan['needs'] = []
  const objects: Plan['objects'] = []
  if (serviceId !== undefined) {
    needs.push({kind: 'service', id: serviceId, privilege: servicePrivilege})
    if (service) objects.push({kind: 'service', id: service.id, ownerAccountId: service.ownerAccountId})
  }

  if (infraId !== undefined) {
    needs.push({kind: 'infrastructure', id: infraId, privilege: infraPrivilege})
    if (infra) objects.push({kind: 'infrastructure', id: infra.id, ownerAccountId: infra.ownerAccountId})
  }

  return {
    target: serviceId !== undefined && infraId !== undefined ? `service/${serviceId} on infra/${infraId}` : target,
    needs,
    objects,
    check(context, subject) {
      if (serviceId !== undefined && !service) throw serviceNotFound(serviceId)
      if (infraId !== undefined && !infra) throw infraNotFound(infraId)
      // The deployment `deployment create` would make: its default id, owned by the caller's account.
      const owner = subject.kind === 'account' ? subject.accountId : null
      if (service && infra) {
        guardDeployment(
          context,
          {deployment: {id: `${service.id}-on-${infra.id}`, ownerAccountId: owner}, service, infraId: infra.id},
          'create',
          {...ATTEMPT, target: `deployment:${service.id}-on-${infra.id}`},
        )
        return
      }

      // One half: what the account holds there (seen through the same guard as `service get` / `infra get`, which
      // also hides it from a token that may not see it) must include what `deployment create` needs on that side.
      const half = service
        ? {kind: 'service' as const, id: service.id, privilege: servicePrivilege, held: guardService(context, service, 'see', {...ATTEMPT, target: `service:${service.id}`}) as string[]}
        : {kind: 'infrastructure' as const, id: infra!.id, privilege: infraPrivilege, held: guardInfra(context, infra!, 'see', {...ATTEMPT, target: `infrastructure:${infra!.id}`}) as string[]}
      if (!half.held.includes(half.privilege)) {
        throw new DeniedError(denialMessage([half], [{kind: half.kind, id: half.id, privileges: half.held}]), ATTEMPT)
      }

      requireTokenPermits(context.caller, {function: DEPLOYMENT_ACTIONS.create.tokenFunction, resource: 'deployments', account: owner, ...ATTEMPT})
    },
  }
}

/** Creating a service needs the may-create-services privilege; an infrastructure, a global administrator. */
function createPlan(target: CanITarget): Plan {
  if (target.kind === 'deployment') {
    throw new UsageError('to ask about creating a deployment, ask: auth can-i deploy service/S --infra I')
  }

  const resource = target.kind === 'service' ? 'services' : 'infrastructures'
  const privilege = target.kind === 'service' ? 'may-create-services' : 'admin'
  return {
    target: target.id === undefined ? (target.kind === 'service' ? 'service' : 'infra') : `${target.kind === 'service' ? 'service' : 'infra'}/${target.id}`,
    needs: [{kind: 'global', id: null, privilege}],
    objects: [],
    check(context, subject) {
      if (subject.kind === 'full') return
      const allowed = target.kind === 'service' ? mayCreateServices(context.store.db, subject.accountId) : subject.globalAdmin
      if (!allowed) {
        throw new DeniedError(
          target.kind === 'service'
            ? 'permission denied: creating a service needs a group with --may-create-services (or a global administrator)'
            : 'permission denied: creating an infrastructure needs a global administrator (a member of a group with --admin)',
        )
      }

      requireTokenPermits(context.caller, {function: 'create', resource, account: subject.accountId, entity: target.id ?? null, ...ATTEMPT})
    },
  }
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
