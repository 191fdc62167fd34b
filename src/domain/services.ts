import {expandServicePrivileges, SERVICE_ACTIONS, SERVICE_PRIVILEGES, type ServicePrivilege, CREATE_FUNCTION} from '../core/deployer.js'
import {nowIso} from '../core/ids.js'
import {EVERYONE_GROUP, preview, validateGroupName} from '../core/names.js'
import {ConflictError, DeniedError, NotFoundError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {requireAccount} from './accounts.js'
import {type ApiKey, type CreatedApiKey, deleteKeyRow, describeKeyId, findKey, insertKey, listKeys, validateKeyId, validateKeyText} from './api-keys.js'
import {mutate} from './audit.js'
import {requireTokenPermits} from './authz.js'
import {actorOf, type Context, type Page, type PageOf, pageOf} from './context.js'
import {
  callerAccount,
  guardService,
  type OwnedObject,
  refuseWhileDeployed,
  serviceNotFound,
  serviceReadableFilter,
  type Subject,
  subjectOf,
  validateObjectId,
  validateVersion,
} from './deployer-access.js'
import {requireGroup} from './groups.js'

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

const owned = (service: Service): OwnedObject => ({id: service.id, ownerAccountId: service.ownerAccountId})

/** Loads a service and checks the caller may do `action` on it (not found when it may not even see it). */
export function loadServiceFor(
  ctx: Context,
  subject: Subject,
  id: string,
  action: keyof typeof SERVICE_ACTIONS,
  auditAction: string,
): {service: Service; privileges: ServicePrivilege[]} {
  validateObjectId('service', id)
  const service = findService(ctx.store.db, id)
  if (!service) throw serviceNotFound(id)
  const privileges = guardService(ctx, subject, owned(service), action, {action: auditAction, target: `service:${id}`})
  return {service, privileges}
}

export function mayCreateServices(db: Db, accountId: string): boolean {
  return (
    db
      .prepare(
        `SELECT 1 FROM groups g WHERE (g.may_create_services = 1 OR g.is_admin = 1) AND (g.name = ? OR EXISTS
           (SELECT 1 FROM group_members m WHERE m.group_name = g.name AND m.account_id = ?)) LIMIT 1`,
      )
      .get(EVERYONE_GROUP, accountId) !== undefined
  )
}

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
export function listServices(ctx: Context, page: Page): PageOf<Service> {
  return ctx.store.read(() => {
    const filter = serviceReadableFilter(subjectOf(ctx), 's')
    const rows = ctx.store.db
      .prepare(`SELECT ${SERVICE_COLUMNS} FROM services s WHERE ${filter.sql} ORDER BY s.id LIMIT ? OFFSET ?`)
      .iterate(...filter.params, page.limit + 1, page.offset) as IterableIterator<ServiceRow>
    return pageOf(rows, page, toService)
  })
}

export function getService(ctx: Context, id: string): ServiceDetails {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const {service, privileges} = loadServiceFor(ctx, subjectOf(ctx), id, 'see', 'service.get')
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

export function updateService(ctx: Context, id: string, change: {public?: boolean}): Service {
  if (change.public === undefined) throw new UsageError('nothing to update: give --public or --no-public')
  return mutate(ctx, 'service.update', `service:${id}`, () => {
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'settings', 'service.update')
    ctx.store.db.prepare('UPDATE services SET public = ? WHERE id = ?').run(Number(change.public), service.id)
    return {...service, public: change.public!}
  })
}

/** Deletes a service with its permissions, versions and keys; refused while deployments use it. */
export function deleteService(ctx: Context, id: string): Service {
  return mutate(ctx, 'service.delete', `service:${id}`, () => {
    const {db} = ctx.store
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'delete', 'service.delete')
    refuseWhileDeployed(db, 'service', service.id)

    db.prepare('DELETE FROM services WHERE id = ?').run(service.id)
    return service
  })
}

// Permissions per group.

export interface ServicePermission {
  group: string
  read: boolean
  write: boolean
  deploy: boolean
  admin: boolean
  /** What members get from this row, implications included. */
  effective: ServicePrivilege[]
}

export type PrivilegeChange<P extends string> = Partial<Record<P, boolean>>

interface ServicePermissionRow {
  group_name: string
  can_read: number
  can_write: number
  can_deploy: number
  can_admin: number
}

function toServicePermission(row: ServicePermissionRow): ServicePermission {
  const granted = {read: row.can_read === 1, write: row.can_write === 1, deploy: row.can_deploy === 1, admin: row.can_admin === 1}
  return {
    group: row.group_name,
    ...granted,
    effective: expandServicePrivileges(SERVICE_PRIVILEGES.filter((privilege) => granted[privilege])),
  }
}

function readServicePermissions(db: Db, serviceId: string): ServicePermission[] {
  const rows = db
    .prepare('SELECT group_name, can_read, can_write, can_deploy, can_admin FROM service_permissions WHERE service_id = ? ORDER BY group_name')
    .all(serviceId) as ServicePermissionRow[]
  return rows.map(toServicePermission)
}

export interface ServicePermissions {
  service: string
  owner: string | null
  permissions: ServicePermission[]
}

/** Who may do what on the service; part of seeing it, so it needs `read`. */
export function listServicePermissions(ctx: Context, id: string): ServicePermissions {
  return ctx.store.read(() => {
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'see', 'service.permissions.list')
    return {service: service.id, owner: service.ownerAccountId, permissions: readServicePermissions(ctx.store.db, service.id)}
  })
}

/** Sets some of a group's privileges on a service; those not given keep their value (false for a new row). */
export function setServicePermission(
  ctx: Context,
  id: string,
  groupName: string,
  change: PrivilegeChange<ServicePrivilege>,
): ServicePermission {
  validateGroupName(groupName)
  if (SERVICE_PRIVILEGES.every((privilege) => change[privilege] === undefined)) {
    throw new UsageError('nothing to set: give at least one of --read --write --deploy --admin (or their --no- forms)')
  }

  return mutate(ctx, 'service.permissions.set', `service:${id}/group:${groupName}`, () => {
    const {db} = ctx.store
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'permissions', 'service.permissions.set')
    requireGroup(db, groupName)
    const current = readServicePermissions(db, service.id).find((p) => p.group === groupName)
    const value = (privilege: ServicePrivilege) => Number(change[privilege] ?? current?.[privilege] ?? false)
    db.prepare(
      `INSERT INTO service_permissions (service_id, group_name, can_read, can_write, can_deploy, can_admin) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (service_id, group_name) DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write,
         can_deploy = excluded.can_deploy, can_admin = excluded.can_admin`,
    ).run(service.id, groupName, value('read'), value('write'), value('deploy'), value('admin'))
    return readServicePermissions(db, service.id).find((p) => p.group === groupName)!
  })
}

/** Removes a group's row; removing a row that is not there is reported, not an error, so it is safe to repeat. */
export function removeServicePermission(ctx: Context, id: string, groupName: string): {service: string; group: string; removed: boolean} {
  validateGroupName(groupName)
  return mutate(ctx, 'service.permissions.remove', `service:${id}/group:${groupName}`, () => {
    const {db} = ctx.store
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'permissions', 'service.permissions.remove')
    requireGroup(db, groupName)
    const removed = db.prepare('DELETE FROM service_permissions WHERE service_id = ? AND group_name = ?').run(service.id, groupName).changes === 1
    return {service: service.id, group: groupName, removed}
  })
}

// Versions.

export interface ServiceVersion {
  service: string
  version: string
  /** Size in bytes of the archive given with --file, if any. */
  size: number | null
  /** SHA-256 hex of the archive given with --file, if any. */
  sha256: string | null
  createdAt: string
  createdBy: string
}

interface VersionRow {
  service_id: string
  version: string
  size: number | null
  sha256: string | null
  created_at: string
  created_by: string
}

const toVersion = (row: VersionRow): ServiceVersion => ({
  service: row.service_id,
  version: row.version,
  size: row.size,
  sha256: row.sha256,
  createdAt: row.created_at,
  createdBy: row.created_by,
})

/** Newest first by creation time; the version name breaks ties within one millisecond. */
const NEWEST_FIRST = 'ORDER BY created_at DESC, version DESC'

export function latestVersion(db: Db, serviceId: string): string | null {
  return (db.prepare(`SELECT version FROM service_versions WHERE service_id = ? ${NEWEST_FIRST} LIMIT 1`).pluck().get(serviceId) as
    | string
    | undefined) ?? null
}

export function versionExists(db: Db, serviceId: string, version: string): boolean {
  return db.prepare('SELECT 1 FROM service_versions WHERE service_id = ? AND version = ?').get(serviceId, version) !== undefined
}

export function addVersion(
  ctx: Context,
  id: string,
  version: string,
  archive?: {size: number; sha256: string},
): ServiceVersion {
  validateVersion(version)
  return mutate(ctx, 'service.versions.add', `service:${id}/version:${version}`, () => {
    const {db} = ctx.store
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'versions', 'service.versions.add')
    if (versionExists(db, service.id, version)) {
      throw new ConflictError(`service '${service.id}' already has a version '${version}'`)
    }

    const created: ServiceVersion = {
      service: service.id,
      version,
      size: archive?.size ?? null,
      sha256: archive?.sha256 ?? null,
      createdAt: nowIso(),
      createdBy: actorOf(ctx.caller),
    }
    db.prepare('INSERT INTO service_versions (service_id, version, size, sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)').run(
      created.service,
      created.version,
      created.size,
      created.sha256,
      created.createdAt,
      created.createdBy,
    )
    return created
  })
}

export function listVersions(ctx: Context, id: string, page: Page): PageOf<ServiceVersion> {
  return ctx.store.read(() => {
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'see', 'service.versions.list')
    const rows = ctx.store.db
      .prepare(`SELECT service_id, version, size, sha256, created_at, created_by FROM service_versions WHERE service_id = ? ${NEWEST_FIRST} LIMIT ? OFFSET ?`)
      .iterate(service.id, page.limit + 1, page.offset) as IterableIterator<VersionRow>
    return pageOf(rows, page, toVersion)
  })
}

/** Deletes a version; refused while a deployment runs it. */
export function deleteVersion(ctx: Context, id: string, version: string): ServiceVersion {
  validateVersion(version)
  return mutate(ctx, 'service.versions.delete', `service:${id}/version:${version}`, () => {
    const {db} = ctx.store
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'versions', 'service.versions.delete')
    const row = db
      .prepare('SELECT service_id, version, size, sha256, created_at, created_by FROM service_versions WHERE service_id = ? AND version = ?')
      .get(service.id, version) as VersionRow | undefined
    if (!row) throw new NotFoundError(`service '${service.id}' has no version '${preview(version)}'`)
    const users = db.prepare('SELECT id FROM deployments WHERE service_id = ? AND version = ? ORDER BY id LIMIT 3').pluck().all(service.id, version) as string[]
    if (users.length > 0) {
      throw new ConflictError(`version '${version}' of service '${service.id}' is deployed (${users.join(', ')})`, {
        hint: 'Move those deployments to another version first (deployment update ID --version V).',
      })
    }

    db.prepare('DELETE FROM service_versions WHERE service_id = ? AND version = ?').run(service.id, version)
    return toVersion(row)
  })
}

// Keys.

export function createServiceKey(ctx: Context, id: string, input: {label?: string; description?: string}): CreatedApiKey & {service: string} {
  const text = validateKeyText(input)
  return mutate(ctx, 'service.keys.create', (key) => `service:${id}/key:${key.id}`, () => {
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'keys', 'service.keys.create')
    return {...insertKey(ctx, 'service_keys', service.id, text), service: service.id}
  })
}

export function listServiceKeys(ctx: Context, id: string): {service: string; keys: ApiKey[]} {
  return ctx.store.read(() => {
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'see', 'service.keys.list')
    return {service: service.id, keys: listKeys(ctx.store.db, 'service_keys', service.id)}
  })
}

export function deleteServiceKey(ctx: Context, id: string, keyId: string): ApiKey & {service: string} {
  validateObjectId('service', id)
  validateKeyId(keyId, `accessctl service keys list ${id}`)
  return mutate(ctx, 'service.keys.delete', `service:${id}/key:${keyId}`, () => {
    const {db} = ctx.store
    const {service} = loadServiceFor(ctx, subjectOf(ctx), id, 'keys', 'service.keys.delete')
    const key = findKey(db, 'service_keys', service.id, keyId)
    if (!key) throw new NotFoundError(`service '${service.id}' has no key with ${describeKeyId(keyId)}`)
    deleteKeyRow(db, 'service_keys', key.id)
    return {...key, service: service.id}
  })
}

