import type {ListQuery} from '../core/list-query.js'
import {CREATE_FUNCTION, expandServicePrivileges, SERVICE_OPERATIONS, SERVICE_PRIVILEGES, type ServiceAction, type ServicePrivilege, validateObjectId} from '../core/deployer.js'
import {nowIso} from '../core/ids.js'
import {ConflictError, DeniedError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {callerAccount, inGroupWhere, requireTokenPermits} from './access.js'
import {requireAccount} from './accounts.js'
import type {ApiKey, CreatedApiKey} from './api-keys.js'
import {mutate} from './audit.js'
import {actorOf, type Context, type Page, type PageOf} from './context.js'
import {guardService, refuseWhileDeployed, serviceNotFound, serviceReadableFilter} from './object-access.js'
import {
  changeObject,
  createKey,
  deleteKey,
  type GroupPermission,
  type GuardedKind,
  type KeyedKind,
  listObjectKeys,
  listPermissions,
  pageVisible,
  type PermissionedKind,
  permissionSortColumns,
  type PrivilegeChange,
  removePermission,
  setPermission,
} from './permissioned-objects.js'

export interface Service {
  id: string
  /** The owning account; null when the operator or an admin key created it without --owner. */
  ownerAccountId: string | null
  /** Whether clients may query it without a key (deployments in `inherit` mode follow this). */
  public: boolean
  createdAt: string
  createdBy: string
}

export interface ServiceDetails extends Service {
  /** What the caller holds on this service, implications included. */
  privileges: ServicePrivilege[]
  versionCount: number
  latestVersion: string | null
  keyCount: number
  deploymentCount: number
}

interface ServiceRow {
  id: string
  owner_account_id: string | null
  public: number
  created_at: string
  created_by: string
}

const SERVICE_COLUMNS = 'id, owner_account_id, public, created_at, created_by'

const toService = (row: ServiceRow): Service => ({
  id: row.id,
  ownerAccountId: row.owner_account_id,
  public: row.public === 1,
  createdAt: row.created_at,
  createdBy: row.created_by,
})

export function findService(db: Db, id: string): Service | undefined {
  const row = db.prepare(`SELECT ${SERVICE_COLUMNS} FROM services WHERE id = ?`).get(id) as ServiceRow | undefined
  return row && toService(row)
}

/** Loads a service and checks the caller may do `action` on it (not found when it may not even see it). */
export function loadServiceFor(
  ctx: Context,
  id: string,
  action: ServiceAction,
  auditAction: string,
): {service: Service; privileges: ServicePrivilege[]} {
  validateObjectId('service', id)
  const service = findService(ctx.store.db, id)
  if (!service) throw serviceNotFound(id)
  const privileges = guardService(ctx, service, action, {action: auditAction, target: `service:${id}`})
  return {service, privileges}
}

/** Services as permissioned, keyed objects: their catalogue of operations, permission rows and query keys. */
export const SERVICE: PermissionedKind<ServicePrivilege, ServiceAction, Service> &
  KeyedKind<ServiceAction, Service> &
  GuardedKind<keyof typeof SERVICE_OPERATIONS, ServiceAction, Service> = {
  noun: 'service',
  topic: 'service',
  operations: SERVICE_OPERATIONS,
  load: (ctx, id, needs, action) => loadServiceFor(ctx, id, needs, action).service,
  permissionTable: 'service_permissions',
  permissionColumn: 'service_id',
  privileges: SERVICE_PRIVILEGES,
  expand: expandServicePrivileges,
  keyTable: 'service_keys',
}

export const mayCreateServices = (db: Db, accountId: string): boolean =>
  inGroupWhere(db, accountId, 'g.may_create_services = 1 OR g.is_admin = 1')

export function createService(ctx: Context, input: {id: string; public?: boolean; owner?: string}): Service {
  const id = validateObjectId('service', input.id)
  const action = 'service.create'
  const target = `service:${id}`
  return mutate(ctx, action, target, () => {
    const {db} = ctx.store
    let ownerAccountId = callerAccount(ctx)
    if (ctx.caller.kind === 'token') {
      if (input.owner !== undefined) {
        throw new DeniedError('permission denied: --owner is for the operator and admin keys; a token creates services owned by its account', {action, target})
      }

      if (!mayCreateServices(db, ctx.caller.accountId)) {
        throw new DeniedError(
          'permission denied: creating a service needs a group with --may-create-services (or a global administrator)',
          {action, target},
        )
      }

      requireTokenPermits(ctx.caller, {function: CREATE_FUNCTION, resource: 'services', account: ownerAccountId, entity: id, action, target})
    } else if (input.owner !== undefined) {
      ownerAccountId = requireAccount(db, input.owner).id
    }

    if (findService(db, id)) throw new ConflictError(`a service with id '${id}' already exists`)
    const service: Service = {
      id,
      ownerAccountId,
      public: input.public ?? true,
      createdAt: nowIso(),
      createdBy: actorOf(ctx.caller),
    }
    db.prepare(`INSERT INTO services (${SERVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?)`).run(
      service.id,
      service.ownerAccountId,
      Number(service.public),
      service.createdAt,
      service.createdBy,
    )
    return service
  })
}

/** The services the caller may read, ordered by id, filtered in SQL so the page is exact. */
/** The fields `service list --sort` takes. */
export const SERVICE_SORT_COLUMNS = {id: 's.id', created: 's.created_at'} as const

export function listServices(ctx: Context, page: Page & ListQuery): PageOf<Service> {
  const order = {columns: SERVICE_SORT_COLUMNS, fallback: 'id', key: 's.id'}
  return pageVisible(ctx, `SELECT ${SERVICE_COLUMNS} FROM services s`, serviceReadableFilter(ctx, 's'), order, page, toService)
}

export function getService(ctx: Context, id: string): ServiceDetails {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const {service, privileges} = loadServiceFor(ctx, id, SERVICE_OPERATIONS.get, 'service.get')
    const count = (sql: string) => db.prepare(sql).pluck().get(service.id) as number
    return {
      ...service,
      privileges,
      versionCount: count('SELECT count(*) FROM service_versions WHERE service_id = ?'),
      latestVersion: latestVersion(db, service.id),
      keyCount: count('SELECT count(*) FROM service_keys WHERE service_id = ?'),
      deploymentCount: count('SELECT count(*) FROM deployments WHERE service_id = ?'),
    }
  })
}

/** What `service list -o wide` adds to each service listed. */
export interface ServiceCounts {
  versions: number
  keys: number
  deployments: number
}

/** The counts service get shows, for services a list has shown; each is read with get's own check. */
export function countsOfServices(ctx: Context, ids: readonly string[]): Map<string, ServiceCounts> {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const counts = new Map<string, ServiceCounts>()
    for (const id of ids) {
      const {service} = loadServiceFor(ctx, id, SERVICE_OPERATIONS.get, 'service.get')
      const count = (sql: string) => db.prepare(sql).pluck().get(service.id) as number
      counts.set(service.id, {
        versions: count('SELECT count(*) FROM service_versions WHERE service_id = ?'),
        keys: count('SELECT count(*) FROM service_keys WHERE service_id = ?'),
        deployments: count('SELECT count(*) FROM deployments WHERE service_id = ?'),
      })
    }

    return counts
  })
}

export function updateService(ctx: Context, id: string, change: {public?: boolean}): Service {
  if (change.public === undefined) throw new UsageError('nothing to update: give --public or --no-public')
  return changeObject(ctx, SERVICE, id, 'update', (service) => {
    ctx.store.db.prepare('UPDATE services SET public = ? WHERE id = ?').run(Number(change.public), service.id)
    return {...service, public: change.public!}
  })
}

/** Deletes a service with its permissions, versions and keys; refused while deployments use it. */
export function deleteService(ctx: Context, id: string): Service {
  return changeObject(ctx, SERVICE, id, 'delete', (service) => {
    const {db} = ctx.store
    refuseWhileDeployed(db, 'service', service.id)
    db.prepare('DELETE FROM services WHERE id = ?').run(service.id)
    return service
  })
}

/** Newest first by creation time; the version name breaks ties within one millisecond. */
export const NEWEST_FIRST = 'ORDER BY created_at DESC, version DESC'

export function latestVersion(db: Db, serviceId: string): string | null {
  return (db.prepare(`SELECT version FROM service_versions WHERE service_id = ? ${NEWEST_FIRST} LIMIT 1`).pluck().get(serviceId) as
    | string
    | undefined) ?? null
}

export function versionExists(db: Db, serviceId: string, version: string): boolean {
  return db.prepare('SELECT 1 FROM service_versions WHERE service_id = ? AND version = ?').get(serviceId, version) !== undefined
}

// Permissions per group.

export type ServicePermission = GroupPermission<ServicePrivilege>
export type {PrivilegeChange} from './permissioned-objects.js'

export interface ServicePermissions {
  service: string
  owner: string | null
  permissions: ServicePermission[]
}

/** Who may do what on the service; part of seeing it, so it needs `read`. */
export const SERVICE_PERMISSION_SORT_COLUMNS = permissionSortColumns(SERVICE_PRIVILEGES)

/** --name matches the group's name. */
export function listServicePermissions(ctx: Context, id: string, query: ListQuery = {}): ServicePermissions {
  const {object, permissions} = listPermissions(ctx, SERVICE, id, query)
  return {service: object.id, owner: object.ownerAccountId, permissions}
}

/** Sets some of a group's privileges on a service; those not given keep their value (false for a new row). */
export function setServicePermission(ctx: Context, id: string, groupName: string, change: PrivilegeChange<ServicePrivilege>): ServicePermission {
  return setPermission(ctx, SERVICE, id, groupName, change)
}

export function removeServicePermission(ctx: Context, id: string, groupName: string): {service: string; group: string; removed: boolean} {
  const {object, removed} = removePermission(ctx, SERVICE, id, groupName)
  return {service: object.id, group: groupName, removed}
}

// Keys.

export function createServiceKey(ctx: Context, id: string, input: {label?: string; description?: string}): CreatedApiKey & {service: string} {
  const {object, key} = createKey(ctx, SERVICE, id, input)
  return {...key, service: object.id}
}

export function listServiceKeys(ctx: Context, id: string, query: ListQuery = {}): {service: string; keys: ApiKey[]} {
  const {object, keys} = listObjectKeys(ctx, SERVICE, id, query)
  return {service: object.id, keys}
}

export function deleteServiceKey(ctx: Context, id: string, keyId: string): ApiKey & {service: string} {
  const {object, key} = deleteKey(ctx, SERVICE, id, keyId)
  return {...key, service: object.id}
}
