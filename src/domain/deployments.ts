import {type ListQuery, orderByClause, validateGlob} from '../core/list-query.js'
import {AUTH_MODES, type AuthMode, DEPLOYMENT_OPERATIONS, type DeploymentAction, type InfraPrivilege, type ServicePrivilege, validateObjectId, validateVersion} from '../core/deployer.js'
import {nowIso} from '../core/ids.js'
import {preview} from '../core/names.js'
import {ConflictError, NotFoundError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {callerAccount} from './access.js'
import type {ApiKey, CreatedApiKey} from './api-keys.js'
import {mutate} from './audit.js'
import {actorOf, type Context, type Page, type PageOf, pageOf} from './context.js'
import {deploymentNotFound, deploymentVisibleFilter, guardDeployment, infraNotFound, serviceNotFound} from './object-access.js'
import {changeObject, createKey, deleteKey, type GuardedKind, type KeyedKind, listObjectKeys} from './permissioned-objects.js'
import {findInfra, loadInfraFor} from './infrastructures.js'
import {findService, latestVersion, loadServiceFor, versionExists} from './services.js'

export interface Deployment {
  id: string
  service: string
  infrastructure: string
  version: string | null
  enabled: boolean
  authMode: AuthMode
  /** The account whose token created it; null when the operator or an admin key did. */
  ownerAccountId: string | null
  createdAt: string
  createdBy: string
}

export interface DeploymentDetails extends Deployment {
  /** What the caller holds on the service and on the infrastructure, implications included. */
  privileges: {service: ServicePrivilege[]; infrastructure: InfraPrivilege[]}
  keyCount: number
}

interface DeploymentRow {
  id: string
  service_id: string
  infra_id: string
  version: string | null
  enabled: number
  auth_mode: AuthMode
  owner_account_id: string | null
  created_at: string
  created_by: string
}

const DEPLOYMENT_COLUMNS = 'id, service_id, infra_id, version, enabled, auth_mode, owner_account_id, created_at, created_by'

const toDeployment = (row: DeploymentRow): Deployment => ({
  id: row.id,
  service: row.service_id,
  infrastructure: row.infra_id,
  version: row.version,
  enabled: row.enabled === 1,
  authMode: row.auth_mode,
  ownerAccountId: row.owner_account_id,
  createdAt: row.created_at,
  createdBy: row.created_by,
})

export function findDeployment(db: Db, id: string): Deployment | undefined {
  const row = db.prepare(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments WHERE id = ?`).get(id) as DeploymentRow | undefined
  return row && toDeployment(row)
}

/** Loads a deployment and checks the caller may do `action` on it: needs privileges on its service AND its infra. */
function loadDeploymentFor(ctx: Context, id: string, action: DeploymentAction, auditAction: string) {
  validateObjectId('deployment', id)
  const {db} = ctx.store
  const deployment = findDeployment(db, id)
  if (!deployment) throw deploymentNotFound(id)
  const service = findService(db, deployment.service)!
  const privileges = guardDeployment(
    ctx,
    {
      deployment: {id: deployment.id, ownerAccountId: deployment.ownerAccountId},
      service: {id: service.id, ownerAccountId: service.ownerAccountId},
      infraId: deployment.infrastructure,
    },
    action,
    {action: auditAction, target: `deployment:${id}`},
  )
  return {deployment, privileges}
}

/** Deployments as keyed objects: their catalogue of operations and query keys. */
const DEPLOYMENT: KeyedKind<DeploymentAction, Deployment> & GuardedKind<keyof typeof DEPLOYMENT_OPERATIONS, DeploymentAction, Deployment> = {
  noun: 'deployment',
  topic: 'deployment',
  operations: DEPLOYMENT_OPERATIONS,
  load: (ctx, id, needs, action) => loadDeploymentFor(ctx, id, needs, action).deployment,
  keyTable: 'deployment_keys',
}

/** The id `deployment create` gives a deployment: --id, or SERVICE-on-INFRA; the input checked as that command checks it. */
export function deploymentIdFor(input: {service: string; infra: string; version?: string; id?: string}): string {
  validateObjectId('service', input.service)
  validateObjectId('infrastructure', input.infra)
  const id = validateObjectId('deployment', input.id ?? `${input.service}-on-${input.infra}`)
  if (input.version !== undefined) validateVersion(input.version)
  return id
}

/**
 * Whether the caller may create this deployment, as `deployment create` asks it: the service and the
 * infrastructure exist (and may be seen), the caller holds what creating needs on both, and its token grants it for
 * this deployment id and owner. `auth can-i deploy` asks exactly this, so the two cannot disagree about permission.
 * What follows in createDeployment (an id already taken, no version to deploy) is about the store's state, not
 * about permission, and is not part of it. Throws as the command refuses; `attempted` is what a denial is audited as.
 */
export function guardDeploymentCreate(
  ctx: Context,
  input: {service: string; infra: string; id: string},
  attempted: {action: string; target: string},
): {service: string; infra: string; ownerAccountId: string | null} {
  const {db} = ctx.store
  const service = findService(db, input.service)
  if (!service) throw serviceNotFound(input.service)
  const infra = findInfra(db, input.infra)
  if (!infra) throw infraNotFound(input.infra)
  const ownerAccountId = callerAccount(ctx)
  guardDeployment(
    ctx,
    {deployment: {id: input.id, ownerAccountId}, service: {id: service.id, ownerAccountId: service.ownerAccountId}, infraId: infra.id},
    'create',
    attempted,
  )
  return {service: service.id, infra: infra.id, ownerAccountId}
}

/**
 * Deploys a version of a service on an infrastructure. Without --version the newest version (by creation) is
 * deployed; a service without versions cannot be deployed (not found, exit 4): there is nothing to run.
 */
export function createDeployment(
  ctx: Context,
  input: {service: string; infra: string; version?: string; id?: string},
): Deployment {
  const id = deploymentIdFor(input)
  return mutate(ctx, 'deployment.create', `deployment:${id}`, () => {
    const {db} = ctx.store
    const {service, infra, ownerAccountId} = guardDeploymentCreate(ctx, {...input, id}, {action: 'deployment.create', target: `deployment:${id}`})
    if (findDeployment(db, id)) throw new ConflictError(`a deployment with id '${id}' already exists`)
    const version = chooseVersion(db, service, input.version)
    const deployment: Deployment = {
      id,
      service,
      infrastructure: infra,
      version,
      enabled: true,
      authMode: 'inherit',
      ownerAccountId,
      createdAt: nowIso(),
      createdBy: actorOf(ctx.caller),
    }
    db.prepare(`INSERT INTO deployments (${DEPLOYMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      deployment.id,
      deployment.service,
      deployment.infrastructure,
      deployment.version,
      Number(deployment.enabled),
      deployment.authMode,
      deployment.ownerAccountId,
      deployment.createdAt,
      deployment.createdBy,
    )
    return deployment
  })
}

function chooseVersion(db: Db, serviceId: string, wanted: string | undefined): string {
  if (wanted !== undefined) {
    if (!versionExists(db, serviceId, wanted)) throw new NotFoundError(`service '${serviceId}' has no version '${preview(wanted)}'`)
    return wanted
  }

  const newest = latestVersion(db, serviceId)
  if (newest === null) {
    throw new NotFoundError(`service '${serviceId}' has no versions to deploy`, {
      hint: `Add one first: service versions add ${serviceId} VERSION`,
    })
  }

  return newest
}

/** The deployments the caller may see (read on the service AND view on the infra), filtered and paged in SQL. */
/** The fields `deployment list --sort` takes. */
export const DEPLOYMENT_SORT_COLUMNS = {id: 'd.id', service: 'd.service_id', infra: 'd.infra_id', created: 'd.created_at'} as const

export function listDeployments(ctx: Context, filter: Page & ListQuery & {service?: string; infra?: string}): PageOf<Deployment> {
  const orderBy = orderByClause(DEPLOYMENT_SORT_COLUMNS, filter, 'id', 'd.id')
  const name = filter.name === undefined ? null : validateGlob(filter.name)
  return ctx.store.read(() => {
    // A filter naming an object the caller may not see answers not found, as `get` would.
    if (filter.service !== undefined) loadServiceFor(ctx, filter.service, 'see', 'deployment.list')
    if (filter.infra !== undefined) loadInfraFor(ctx, filter.infra, 'see', 'deployment.list')
    const visible = deploymentVisibleFilter(ctx)
    const rows = ctx.store.db
      .prepare(
        `SELECT ${DEPLOYMENT_COLUMNS.split(', ').map((c) => `d.${c}`).join(', ')}
         FROM deployments d JOIN services s ON s.id = d.service_id
         WHERE (? IS NULL OR d.service_id = ?) AND (? IS NULL OR d.infra_id = ?) AND (? IS NULL OR d.id GLOB ?) AND ${visible.sql}
         ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
      )
      .iterate(
        filter.service ?? null,
        filter.service ?? null,
        filter.infra ?? null,
        filter.infra ?? null,
        name,
        name,
        ...visible.params,
        filter.limit + 1,
        filter.offset,
      ) as IterableIterator<DeploymentRow>
    return pageOf(rows, filter, toDeployment)
  })
}

export function getDeployment(ctx: Context, id: string): DeploymentDetails {
  return ctx.store.read(() => {
    const {deployment, privileges} = loadDeploymentFor(ctx, id, DEPLOYMENT_OPERATIONS.get, 'deployment.get')
    const keyCount = ctx.store.db.prepare('SELECT count(*) FROM deployment_keys WHERE deployment_id = ?').pluck().get(id) as number
    return {...deployment, privileges: {service: privileges.service, infrastructure: privileges.infra}, keyCount}
  })
}

export function updateDeployment(ctx: Context, id: string, change: {version?: string}): Deployment {
  if (change.version === undefined) throw new UsageError('nothing to update: give --version')
  const version = validateVersion(change.version)
  return changeObject(ctx, DEPLOYMENT, id, 'update', (deployment) => {
    chooseVersion(ctx.store.db, deployment.service, version)
    ctx.store.db.prepare('UPDATE deployments SET version = ? WHERE id = ?').run(version, id)
    return {...deployment, version}
  })
}

/** Enables or disables; doing it twice is not an error, and `changed` says whether anything changed. */
export function setDeploymentEnabled(ctx: Context, id: string, enabled: boolean): Deployment & {changed: boolean} {
  const verb = enabled ? 'enable' : 'disable'
  return changeObject(ctx, DEPLOYMENT, id, verb, (deployment) => {
    ctx.store.db.prepare('UPDATE deployments SET enabled = ? WHERE id = ?').run(Number(enabled), id)
    return {...deployment, enabled, changed: deployment.enabled !== enabled}
  })
}

export function validateAuthMode(mode: string): AuthMode {
  if (!(AUTH_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`'${preview(mode)}' is not an authentication mode: use one of ${AUTH_MODES.join(', ')}`)
  }

  return mode as AuthMode
}

export function setDeploymentAuth(ctx: Context, id: string, mode: string): Deployment {
  const authMode = validateAuthMode(mode)
  return changeObject(ctx, DEPLOYMENT, id, 'auth.set', (deployment) => {
    ctx.store.db.prepare('UPDATE deployments SET auth_mode = ? WHERE id = ?').run(authMode, id)
    return {...deployment, authMode}
  })
}

/** Deletes a deployment and its keys. */
export function deleteDeployment(ctx: Context, id: string): Deployment {
  return changeObject(ctx, DEPLOYMENT, id, 'delete', (deployment) => {
    ctx.store.db.prepare('DELETE FROM deployments WHERE id = ?').run(id)
    return deployment
  })
}

// Keys of a deployment, used in `api-keys` mode.

export function createDeploymentKey(ctx: Context, id: string, input: {label?: string; description?: string}): CreatedApiKey & {deployment: string} {
  const {object, key} = createKey(ctx, DEPLOYMENT, id, input)
  return {...key, deployment: object.id}
}

export function listDeploymentKeys(ctx: Context, id: string, query: ListQuery = {}): {deployment: string; authMode: AuthMode; keys: ApiKey[]} {
  const {object, keys} = listObjectKeys(ctx, DEPLOYMENT, id, query)
  return {deployment: object.id, authMode: object.authMode, keys}
}

export function deleteDeploymentKey(ctx: Context, id: string, keyId: string): ApiKey & {deployment: string} {
  const {object, key} = deleteKey(ctx, DEPLOYMENT, id, keyId)
  return {...key, deployment: object.id}
}
