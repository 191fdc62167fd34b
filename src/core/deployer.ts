/**
 * The Deployer's rules, pure (no I/O): which privileges imply which, what an account effectively holds on a service
 * or an infrastructure, which privilege each action needs, and which (function, resource) a token must be granted
 * for it. The domain modules fetch rows and ask these functions; nothing else decides.
 */
import {UsageError} from '../errors.js'
import {type Grant, WILDCARD} from './grants.js'
import {looksSecret} from './redact.js'
import {preview} from './text.js'

export const SERVICE_PRIVILEGES = ['read', 'write', 'deploy', 'admin'] as const
export type ServicePrivilege = (typeof SERVICE_PRIVILEGES)[number]

export const INFRA_PRIVILEGES = ['view', 'deploy', 'admin'] as const
export type InfraPrivilege = (typeof INFRA_PRIVILEGES)[number]

export const INFRA_STAGES = ['Development', 'Test', 'Production'] as const
export type InfraStage = (typeof INFRA_STAGES)[number]

export const AUTH_MODES = ['inherit', 'public', 'api-keys'] as const
export type AuthMode = (typeof AUTH_MODES)[number]

/** Direct implications; `closure` follows them transitively. */
const SERVICE_IMPLIES: Record<ServicePrivilege, readonly ServicePrivilege[]> = {
  admin: ['write', 'deploy', 'read'],
  write: ['read'],
  deploy: ['read'],
  read: [],
}

const INFRA_IMPLIES: Record<InfraPrivilege, readonly InfraPrivilege[]> = {
  admin: ['deploy'],
  deploy: ['view'],
  view: [],
}

function closure<P extends string>(
  granted: Iterable<P>,
  implies: Record<P, readonly P[]>,
  order: readonly P[],
): P[] {
  const held = new Set<P>()
  const pending = [...granted]
  while (pending.length > 0) {
    const privilege = pending.pop()!
    if (held.has(privilege)) continue
    held.add(privilege)
    pending.push(...implies[privilege])
  }

  return order.filter((privilege) => held.has(privilege))
}

/** The granted privileges with everything they imply, in the canonical order read, write, deploy, admin. */
export function expandServicePrivileges(granted: Iterable<ServicePrivilege>): ServicePrivilege[] {
  return closure(granted, SERVICE_IMPLIES, SERVICE_PRIVILEGES)
}

/** The granted privileges with everything they imply, in the canonical order view, deploy, admin. */
export function expandInfraPrivileges(granted: Iterable<InfraPrivilege>): InfraPrivilege[] {
  return closure(granted, INFRA_IMPLIES, INFRA_PRIVILEGES)
}

/** The granted privileges that give `target`; lists filter in SQL on these columns, so SQL and this table agree. */
export function serviceGrantsGiving(target: ServicePrivilege): ServicePrivilege[] {
  return SERVICE_PRIVILEGES.filter((granted) => expandServicePrivileges([granted]).includes(target))
}

export function infraGrantsGiving(target: InfraPrivilege): InfraPrivilege[] {
  return INFRA_PRIVILEGES.filter((granted) => expandInfraPrivileges([granted]).includes(target))
}

/** What an account holds on one service: a global admin and the owner hold everything; otherwise its groups' rows. */
export function effectiveServicePrivileges(standing: {
  globalAdmin: boolean
  owner: boolean
  groupPrivileges: Iterable<ServicePrivilege>
}): ServicePrivilege[] {
  if (standing.globalAdmin || standing.owner) return [...SERVICE_PRIVILEGES]
  return expandServicePrivileges(standing.groupPrivileges)
}

/** What an account holds on one infrastructure: a global admin holds everything; otherwise its groups' rows. */
export function effectiveInfraPrivileges(standing: {
  globalAdmin: boolean
  groupPrivileges: Iterable<InfraPrivilege>
}): InfraPrivilege[] {
  if (standing.globalAdmin) return [...INFRA_PRIVILEGES]
  return expandInfraPrivileges(standing.groupPrivileges)
}

// The decision table of permissions.md, one row per action.

export type ServiceAction = 'see' | 'versions' | 'settings' | 'permissions' | 'keys' | 'delete'
export type InfraAction = 'see' | 'settings' | 'permissions' | 'delete'
export type DeploymentAction = 'see' | 'create' | 'update' | 'enable' | 'disable' | 'delete' | 'auth' | 'keys'

export type DeployerResource = 'services' | 'infrastructures' | 'deployments'

export const SERVICE_ACTIONS: Record<ServiceAction, {needs: ServicePrivilege; tokenFunction: string}> = {
  see: {needs: 'read', tokenFunction: 'get'},
  versions: {needs: 'write', tokenFunction: 'edit'},
  settings: {needs: 'admin', tokenFunction: 'admin'},
  permissions: {needs: 'admin', tokenFunction: 'admin'},
  keys: {needs: 'admin', tokenFunction: 'admin'},
  delete: {needs: 'admin', tokenFunction: 'admin'},
}

export const INFRA_ACTIONS: Record<InfraAction, {needs: InfraPrivilege; tokenFunction: string}> = {
  see: {needs: 'view', tokenFunction: 'get'},
  settings: {needs: 'admin', tokenFunction: 'admin'},
  permissions: {needs: 'admin', tokenFunction: 'admin'},
  delete: {needs: 'admin', tokenFunction: 'admin'},
}

/** A deployment has no permissions of its own: every action needs a privilege on its service AND on its infra. */
export const DEPLOYMENT_ACTIONS: Record<
  DeploymentAction,
  {service: ServicePrivilege; infra: InfraPrivilege; tokenFunction: string}
> = {
  see: {service: 'read', infra: 'view', tokenFunction: 'get'},
  create: {service: 'deploy', infra: 'deploy', tokenFunction: 'deploy'},
  update: {service: 'deploy', infra: 'deploy', tokenFunction: 'deploy'},
  enable: {service: 'deploy', infra: 'deploy', tokenFunction: 'deploy'},
  disable: {service: 'deploy', infra: 'deploy', tokenFunction: 'deploy'},
  delete: {service: 'deploy', infra: 'deploy', tokenFunction: 'deploy'},
  auth: {service: 'deploy', infra: 'deploy', tokenFunction: 'deploy'},
  keys: {service: 'deploy', infra: 'deploy', tokenFunction: 'deploy'},
}

/**
 * Every guarded command on one existing object, named once: its audit action is `<topic>.<name>` (`service.keys.create`),
 * its target the object (`service:churn`), and the action above says the privilege it needs and the token function
 * (on the resource `services`, `infrastructures` or `deployments`) its grants must allow.
 */
const PERMISSION_OPERATIONS = {'permissions.list': 'see', 'permissions.set': 'permissions', 'permissions.remove': 'permissions'} as const
const KEY_OPERATIONS = {'keys.create': 'keys', 'keys.list': 'see', 'keys.delete': 'keys'} as const

export const SERVICE_OPERATIONS = {
  get: 'see',
  update: 'settings',
  delete: 'delete',
  ...PERMISSION_OPERATIONS,
  'versions.add': 'versions',
  'versions.list': 'see',
  'versions.delete': 'versions',
  ...KEY_OPERATIONS,
} as const satisfies Record<string, ServiceAction>

export const INFRA_OPERATIONS = {get: 'see', update: 'settings', delete: 'delete', ...PERMISSION_OPERATIONS} as const satisfies Record<string, InfraAction>

export const DEPLOYMENT_OPERATIONS = {
  get: 'see',
  update: 'update',
  enable: 'enable',
  disable: 'disable',
  'auth.set': 'auth',
  delete: 'delete',
  ...KEY_OPERATIONS,
} as const satisfies Record<string, DeploymentAction>

/** Creating a service or an infrastructure maps to the token function `create`. */
export const CREATE_FUNCTION = 'create'

/** The function a client token needs on `deployments` to be admitted by `deployment authorize`. */
export const CONSUME_FUNCTION = 'consume'

/** One privilege on one object, as named in a denial: `'deploy' on service churn`. */
export interface Need {
  kind: 'service' | 'infrastructure'
  id: string
  privilege: string
}

export interface Holding {
  kind: 'service' | 'infrastructure'
  id: string
  privileges: readonly string[]
}

export type Verdict =
  | {outcome: 'allowed'}
  /** The caller may not even see it (or one of the two objects of a deployment): it does not exist for the caller. */
  | {outcome: 'hidden'; hidden: Array<'service' | 'infrastructure'>}
  | {outcome: 'denied'; missing: Need[]}

export function decideService(action: ServiceAction, serviceId: string, held: readonly ServicePrivilege[]): Verdict {
  if (!held.includes('read')) return {outcome: 'hidden', hidden: ['service']}
  const {needs} = SERVICE_ACTIONS[action]
  return held.includes(needs)
    ? {outcome: 'allowed'}
    : {outcome: 'denied', missing: [{kind: 'service', id: serviceId, privilege: needs}]}
}

export function decideInfra(action: InfraAction, infraId: string, held: readonly InfraPrivilege[]): Verdict {
  if (!held.includes('view')) return {outcome: 'hidden', hidden: ['infrastructure']}
  const {needs} = INFRA_ACTIONS[action]
  return held.includes(needs)
    ? {outcome: 'allowed'}
    : {outcome: 'denied', missing: [{kind: 'infrastructure', id: infraId, privilege: needs}]}
}

export function decideDeployment(
  action: DeploymentAction,
  service: {id: string; held: readonly ServicePrivilege[]},
  infra: {id: string; held: readonly InfraPrivilege[]},
): Verdict {
  const hidden: Array<'service' | 'infrastructure'> = []
  if (!service.held.includes('read')) hidden.push('service')
  if (!infra.held.includes('view')) hidden.push('infrastructure')
  if (hidden.length > 0) return {outcome: 'hidden', hidden}
  const needs = DEPLOYMENT_ACTIONS[action]
  const missing: Need[] = []
  if (!service.held.includes(needs.service)) missing.push({kind: 'service', id: service.id, privilege: needs.service})
  if (!infra.held.includes(needs.infra)) missing.push({kind: 'infrastructure', id: infra.id, privilege: needs.infra})
  return missing.length === 0 ? {outcome: 'allowed'} : {outcome: 'denied', missing}
}

/**
 * "permission denied: needs 'deploy' on service churn and 'deploy' on infrastructure prod; you have 'read' on
 * service churn and 'view, deploy' on infrastructure prod" — names exactly what is missing and what is held.
 */
export function denialMessage(needs: readonly Need[], holdings: readonly Holding[]): string {
  const wanted = needs.map((need) => `'${need.privilege}' on ${need.kind} ${need.id}`).join(' and ')
  const held = holdings
    .map((h) => (h.privileges.length === 0 ? `nothing on ${h.kind} ${h.id}` : `'${h.privileges.join(', ')}' on ${h.kind} ${h.id}`))
    .join(' and ')
  return `permission denied: needs ${wanted}; you have ${held}`
}

/**
 * The objects a token's grants let it use `fn` on, in a form SQL can filter by: all of them, or those owned by one
 * of `accounts` or whose id is one of `entities`. It is `allows` solved for the object instead of asked per object
 * (the unit tests check both agree), so lists page in SQL instead of loading whole tables to filter them.
 */
export type GrantScope = {all: true} | {all: false; accounts: string[]; entities: string[]}

export function grantScope(grants: readonly Grant[], fn: string, resource: string): GrantScope {
  const accounts = new Set<string>()
  const entities = new Set<string>()
  for (const grant of grants) {
    const matchesKind =
      (grant.resources.includes(WILDCARD) || grant.resources.includes(resource)) &&
      (grant.functions.includes(WILDCARD) || grant.functions.includes(fn))
    if (!matchesKind) continue
    if (grant.accounts.includes(WILDCARD) || grant.entities.includes(WILDCARD)) return {all: true}
    for (const account of grant.accounts) accounts.add(account)
    for (const entity of grant.entities) entities.add(entity)
  }

  return {all: false, accounts: [...accounts], entities: [...entities]}
}

/** Whether an object falls in a scope; the in-memory twin of the SQL filter. */
export function inScope(scope: GrantScope, object: {owner: string | null; id: string}): boolean {
  return scope.all || (object.owner !== null && scope.accounts.includes(object.owner)) || scope.entities.includes(object.id)
}

const OBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/

/** Service, infrastructure and deployment ids: 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit. */
export function isValidObjectId(id: string): boolean {
  return OBJECT_ID.test(id)
}

/** Version names: 1-64 of A-Z a-z 0-9 . _ + -, starting with a letter or digit (so `1.2.0+build.7` works). */
export function isValidVersion(version: string): boolean {
  return VERSION.test(version)
}

export function validateObjectId(kind: 'service' | 'infrastructure' | 'deployment', id: string): string {
  // Keys have the characters of ids: one given in the wrong place is refused before it could be quoted anywhere.
  if (looksSecret(id)) throw new UsageError(`a key or a token is not a ${kind} id`)
  if (!isValidObjectId(id)) {
    throw new UsageError(
      `'${preview(id)}' is not a valid ${kind} id: use 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit`,
    )
  }

  return id
}

/** The name of a new version: a valid version that does not look like a key (it would be stored and listed in clear). */
export function validateNewVersion(version: string): string {
  if (looksSecret(version)) throw new UsageError('a version cannot be a key or a token: it would be stored and listed in clear')
  return validateVersion(version)
}

export function validateVersion(version: string): string {
  if (!isValidVersion(version)) {
    throw new UsageError(
      `'${preview(version)}' is not a valid version: use 1-64 of A-Z a-z 0-9 . _ + -, starting with a letter or digit`,
    )
  }

  return version
}
