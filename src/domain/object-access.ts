import {
  decideDeployment,
  decideInfra,
  decideService,
  DEPLOYMENT_ACTIONS,
  type DeploymentAction,
  denialMessage,
  effectiveInfraPrivileges,
  effectiveServicePrivileges,
  type GrantScope,
  grantScope,
  INFRA_ACTIONS,
  INFRA_PRIVILEGES,
  type InfraAction,
  infraGrantsGiving,
  type InfraPrivilege,
  SERVICE_ACTIONS,
  SERVICE_PRIVILEGES,
  type ServiceAction,
  serviceGrantsGiving,
  type ServicePrivilege,
  type Verdict,
} from '../core/deployer.js'
import type {Grant} from '../core/grants.js'
import {preview} from '../core/names.js'
import {ConflictError, DeniedError, NotFoundError} from '../errors.js'
import type {Db} from '../store/store.js'
import {isGlobalAdmin, MEMBER_GROUPS, memberGroupParams, type Operation, requireTokenPermits, tokenPermits} from './access.js'
import type {Context} from './context.js'

/**
 * Where the Deployer's pure rules (core/deployer.ts) meet the store: what a caller holds on one object (one indexed
 * query), the SQL filters that keep lists to what it may see, and the guards every command passes through before it
 * reads or changes a service, an infrastructure or a deployment.
 */

/**
 * The caller as these rules see it, worked out once per operation: full rights (the operator, an admin key), or a
 * token's account with its global-admin standing and the token's grants.
 */
export type Standing = {kind: 'full'} | {kind: 'account'; accountId: string; globalAdmin: boolean; grants: Grant[]}

export function standingOf(ctx: Context): Standing {
  const {caller} = ctx
  if (caller.kind !== 'token') return {kind: 'full'}
  return {
    kind: 'account',
    accountId: caller.accountId,
    globalAdmin: isGlobalAdmin(ctx.store.db, caller.accountId),
    grants: caller.grants,
  }
}

const anyColumn = (alias: string, privileges: readonly string[]) =>
  `(${privileges.map((privilege) => `${alias}.can_${privilege} = 1`).join(' OR ')})`

// What an account holds on one object.

export interface OwnedObject {
  id: string
  ownerAccountId: string | null
}

export function servicePrivilegesOf(db: Db, subject: Standing, service: OwnedObject): ServicePrivilege[] {
  if (subject.kind === 'full') return [...SERVICE_PRIVILEGES]
  const row = db
    .prepare(
      `SELECT max(can_read) AS read, max(can_write) AS write, max(can_deploy) AS deploy, max(can_admin) AS admin
       FROM service_permissions WHERE service_id = ? AND group_name IN ${MEMBER_GROUPS}`,
    )
    .get(service.id, ...memberGroupParams(subject.accountId)) as Record<ServicePrivilege, number | null>
  return effectiveServicePrivileges({
    globalAdmin: subject.globalAdmin,
    owner: service.ownerAccountId === subject.accountId,
    groupPrivileges: SERVICE_PRIVILEGES.filter((privilege) => row[privilege] === 1),
  })
}

export function infraPrivilegesOf(db: Db, subject: Standing, infraId: string): InfraPrivilege[] {
  if (subject.kind === 'full') return [...INFRA_PRIVILEGES]
  const row = db
    .prepare(
      `SELECT max(can_view) AS view, max(can_deploy) AS deploy, max(can_admin) AS admin
       FROM infra_permissions WHERE infra_id = ? AND group_name IN ${MEMBER_GROUPS}`,
    )
    .get(infraId, ...memberGroupParams(subject.accountId)) as Record<InfraPrivilege, number | null>
  return effectiveInfraPrivileges({
    globalAdmin: subject.globalAdmin,
    groupPrivileges: INFRA_PRIVILEGES.filter((privilege) => row[privilege] === 1),
  })
}

/**
 * Whether an account (not a token: its grants are not asked) may see a deployment: read on its service AND view on
 * its infrastructure, as for `deployment get`; a global admin sees everything. Client tokens never exceed this.
 */
export function accountSeesDeployment(db: Db, accountId: string, parts: Omit<DeploymentParts, 'deployment'>): boolean {
  const subject: Standing = {kind: 'account', accountId, globalAdmin: isGlobalAdmin(db, accountId), grants: []}
  const verdict = decideDeployment(
    'see',
    {id: parts.service.id, held: servicePrivilegesOf(db, subject, parts.service)},
    {id: parts.infraId, held: infraPrivilegesOf(db, subject, parts.infraId)},
  )
  return verdict.outcome === 'allowed'
}

// SQL filters for lists: the same rules as above, evaluated per row by SQLite so lists page with LIMIT/OFFSET.

export interface SqlFilter {
  sql: string
  params: unknown[]
}

const ALL: SqlFilter = {sql: '1 = 1', params: []}

function and(...filters: SqlFilter[]): SqlFilter {
  return {sql: filters.map((f) => `(${f.sql})`).join(' AND '), params: filters.flatMap((f) => f.params)}
}

function scopeFilter(scope: GrantScope, ownerColumn: string, idColumn: string): SqlFilter {
  if (scope.all) return ALL
  return {
    sql: `${ownerColumn} IN (SELECT value FROM json_each(?)) OR ${idColumn} IN (SELECT value FROM json_each(?))`,
    params: [JSON.stringify(scope.accounts), JSON.stringify(scope.entities)],
  }
}

/** Rows of `services` (aliased `alias`) the caller may read, its token included. */
export function serviceReadableFilter(ctx: Context, alias: string): SqlFilter {
  const subject = standingOf(ctx)
  if (subject.kind === 'full') return ALL
  const token = scopeFilter(grantScope(subject.grants, SERVICE_ACTIONS.see.tokenFunction, 'services'), `${alias}.owner_account_id`, `${alias}.id`)
  return and(accountReadsService(subject, alias), token)
}

function accountReadsService(subject: Extract<Standing, {kind: 'account'}>, alias: string): SqlFilter {
  if (subject.globalAdmin) return ALL
  return {
    sql: `${alias}.owner_account_id = ? OR EXISTS (SELECT 1 FROM service_permissions sp WHERE sp.service_id = ${alias}.id
          AND sp.group_name IN ${MEMBER_GROUPS} AND ${anyColumn('sp', serviceGrantsGiving('read'))})`,
    params: [subject.accountId, ...memberGroupParams(subject.accountId)],
  }
}

function accountViewsInfra(subject: Extract<Standing, {kind: 'account'}>, idColumn: string): SqlFilter {
  if (subject.globalAdmin) return ALL
  return {
    sql: `EXISTS (SELECT 1 FROM infra_permissions ip WHERE ip.infra_id = ${idColumn}
          AND ip.group_name IN ${MEMBER_GROUPS} AND ${anyColumn('ip', infraGrantsGiving('view'))})`,
    params: memberGroupParams(subject.accountId),
  }
}

/** Rows of `infrastructures` (aliased `alias`) the caller may view, its token included. */
export function infraViewableFilter(ctx: Context, alias: string): SqlFilter {
  const subject = standingOf(ctx)
  if (subject.kind === 'full') return ALL
  const token = scopeFilter(grantScope(subject.grants, INFRA_ACTIONS.see.tokenFunction, 'infrastructures'), `${alias}.owner_account_id`, `${alias}.id`)
  return and(accountViewsInfra(subject, `${alias}.id`), token)
}

/** Rows of `deployments` (aliased d, joined with its service as s) the caller may see: read AND view. */
export function deploymentVisibleFilter(ctx: Context): SqlFilter {
  const subject = standingOf(ctx)
  if (subject.kind === 'full') return ALL
  const token = scopeFilter(grantScope(subject.grants, DEPLOYMENT_ACTIONS.see.tokenFunction, 'deployments'), 'd.owner_account_id', 'd.id')
  return and(accountReadsService(subject, 's'), accountViewsInfra(subject, 'd.infra_id'), token)
}

// Guards: hidden objects are not found, seen-but-not-allowed is denied naming the missing privilege, and the token's
// grants are matched against (function, resource, owner account, object id).

/** The audit side of a guarded operation; its (function, resource, owner, id) come from the object and the action. */
export type Attempted = Pick<Operation, 'action' | 'target'>

function enforce(verdict: Verdict, notFound: () => NotFoundError, denied: (verdict: Extract<Verdict, {outcome: 'denied'}>) => DeniedError): void {
  if (verdict.outcome === 'hidden') throw notFound()
  if (verdict.outcome === 'denied') throw denied(verdict)
}

/** What tells a service guard from an infrastructure guard; the guard itself is written once, below. */
interface ObjectGuard<A extends string, P extends string> {
  kind: 'service' | 'infrastructure'
  resource: 'services' | 'infrastructures'
  actions: Record<A, {tokenFunction: string}>
  held: (db: Db, subject: Standing, object: OwnedObject) => P[]
  decide: (action: A, id: string, held: readonly P[]) => Verdict
  notFound: (id: string) => NotFoundError
}

const SERVICE_GUARD: ObjectGuard<ServiceAction, ServicePrivilege> = {
  kind: 'service',
  resource: 'services',
  actions: SERVICE_ACTIONS,
  held: servicePrivilegesOf,
  decide: decideService,
  notFound: (id) => serviceNotFound(id),
}

const INFRA_GUARD: ObjectGuard<InfraAction, InfraPrivilege> = {
  kind: 'infrastructure',
  resource: 'infrastructures',
  actions: INFRA_ACTIONS,
  held: (db, subject, infra) => infraPrivilegesOf(db, subject, infra.id),
  decide: decideInfra,
  notFound: (id) => infraNotFound(id),
}

function guardObject<A extends string, P extends string>(
  ctx: Context,
  guard: ObjectGuard<A | 'see', P>,
  owned: OwnedObject,
  action: A | 'see',
  attempted: Attempted,
): P[] {
  const held = guard.held(ctx.store.db, standingOf(ctx), owned)
  const object = {resource: guard.resource, account: owned.ownerAccountId, entity: owned.id}
  const verdict: Verdict = tokenPermits(ctx.caller, {function: guard.actions.see.tokenFunction, ...object})
    ? guard.decide(action, owned.id, held)
    : {outcome: 'hidden', hidden: [guard.kind]}
  enforce(
    verdict,
    () => guard.notFound(owned.id),
    ({missing}) => new DeniedError(denialMessage(missing, [{kind: guard.kind, id: owned.id, privileges: held}]), attempted),
  )
  requireTokenPermits(ctx.caller, {function: guard.actions[action].tokenFunction, ...object, ...attempted})
  return held
}

export const guardService = (ctx: Context, service: OwnedObject, action: ServiceAction, attempted: Attempted): ServicePrivilege[] =>
  guardObject(ctx, SERVICE_GUARD, service, action, attempted)

export const guardInfra = (ctx: Context, infra: OwnedObject, action: InfraAction, attempted: Attempted): InfraPrivilege[] =>
  guardObject(ctx, INFRA_GUARD, infra, action, attempted)

export interface DeploymentParts {
  /** The deployment itself; for `create`, the one about to exist (its id and future owner). */
  deployment: OwnedObject
  service: OwnedObject
  infraId: string
}

/**
 * Checks a deployment action: the account needs the action's privilege on the service AND on the infra. For
 * `create` the service and infra are what the caller named, so hiding one of them answers "no service ..."; for the
 * others the deployment itself is what does not exist.
 */
export function guardDeployment(
  ctx: Context,
  parts: DeploymentParts,
  action: DeploymentAction,
  attempted: Attempted,
): {service: ServicePrivilege[]; infra: InfraPrivilege[]} {
  const {db} = ctx.store
  const subject = standingOf(ctx)
  const service = servicePrivilegesOf(db, subject, parts.service)
  const infra = infraPrivilegesOf(db, subject, parts.infraId)
  const object = {resource: 'deployments', account: parts.deployment.ownerAccountId, entity: parts.deployment.id}
  const tokenSees = action === 'create' || tokenPermits(ctx.caller, {function: DEPLOYMENT_ACTIONS.see.tokenFunction, ...object})
  const verdict: Verdict = tokenSees
    ? decideDeployment(action, {id: parts.service.id, held: service}, {id: parts.infraId, held: infra})
    : {outcome: 'hidden', hidden: []}
  enforce(
    verdict,
    () => {
      if (action !== 'create') return deploymentNotFound(parts.deployment.id)
      return verdict.outcome === 'hidden' && verdict.hidden[0] === 'infrastructure'
        ? infraNotFound(parts.infraId)
        : serviceNotFound(parts.service.id)
    },
    ({missing}) =>
      new DeniedError(
        denialMessage(missing, [
          {kind: 'service', id: parts.service.id, privileges: service},
          {kind: 'infrastructure', id: parts.infraId, privileges: infra},
        ]),
        attempted,
      ),
  )
  requireTokenPermits(ctx.caller, {function: DEPLOYMENT_ACTIONS[action].tokenFunction, ...object, ...attempted})
  return {service, infra}
}

export const serviceNotFound = (id: string) => new NotFoundError(`no service with id '${preview(id)}'`, {lookup: {kind: 'service', typed: id}})
export const infraNotFound = (id: string) =>
  new NotFoundError(`no infrastructure with id '${preview(id)}'`, {lookup: {kind: 'infrastructure', typed: id}})
export const deploymentNotFound = (id: string) =>
  new NotFoundError(`no deployment with id '${preview(id)}'`, {lookup: {kind: 'deployment', typed: id}})

/** Services and infrastructures are deleted only once no deployment uses them (exit 5 otherwise). */
export function refuseWhileDeployed(db: Db, kind: 'service' | 'infrastructure', id: string): void {
  const column = kind === 'service' ? 'service_id' : 'infra_id'
  const deployments = db.prepare(`SELECT count(*) FROM deployments WHERE ${column} = ?`).pluck().get(id) as number
  if (deployments > 0) {
    throw new ConflictError(`${kind} '${id}' still has ${deployments} deployment(s)`, {
      hint: `Delete its deployments first (deployment list --${kind === 'service' ? 'service' : 'infra'} ID).`,
    })
  }
}
