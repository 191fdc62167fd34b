import type {ListQuery} from '../core/list-query.js'
import {CREATE_FUNCTION, expandInfraPrivileges, INFRA_OPERATIONS, INFRA_PRIVILEGES, INFRA_STAGES, type InfraAction, type InfraPrivilege, type InfraStage, validateObjectId} from '../core/deployer.js'
import {nowIso} from '../core/ids.js'
import {ConflictError, DeniedError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {callerAccount, isGlobalAdmin, requireTokenPermits} from './access.js'
import {mutate} from './audit.js'
import {actorOf, type Context, type Page, type PageOf} from './context.js'
import {guardInfra, infraNotFound, infraViewableFilter, refuseWhileDeployed} from './object-access.js'
import {
  changeObject,
  type GroupPermission,
  type GuardedKind,
  listPermissions,
  pageVisible,
  type PermissionedKind,
  permissionSortColumns,
  type PrivilegeChange,
  removePermission,
  setPermission,
} from './permissioned-objects.js'

export interface Infrastructure {
  id: string
  stage: InfraStage
  /** The account whose token created it; null when the operator or an admin key did. */
  ownerAccountId: string | null
  createdAt: string
  createdBy: string
}

export interface InfrastructureDetails extends Infrastructure {
  /** What the caller holds on this infrastructure, implications included. */
  privileges: InfraPrivilege[]
  deploymentCount: number
}

interface InfraRow {
  id: string
  stage: InfraStage
  owner_account_id: string | null
  created_at: string
  created_by: string
}

const INFRA_COLUMNS = 'id, stage, owner_account_id, created_at, created_by'

const toInfra = (row: InfraRow): Infrastructure => ({
  id: row.id,
  stage: row.stage,
  ownerAccountId: row.owner_account_id,
  createdAt: row.created_at,
  createdBy: row.created_by,
})

export function findInfra(db: Db, id: string): Infrastructure | undefined {
  const row = db.prepare(`SELECT ${INFRA_COLUMNS} FROM infrastructures WHERE id = ?`).get(id) as InfraRow | undefined
  return row && toInfra(row)
}

export function validateStage(stage: string): InfraStage {
  const known = INFRA_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase())
  if (!known) throw new UsageError(`'${stage}' is not a stage: use one of ${INFRA_STAGES.join(', ')}`)
  return known
}

export function loadInfraFor(
  ctx: Context,
  id: string,
  action: InfraAction,
  auditAction: string,
): {infra: Infrastructure; privileges: InfraPrivilege[]} {
  validateObjectId('infrastructure', id)
  const infra = findInfra(ctx.store.db, id)
  if (!infra) throw infraNotFound(id)
  const privileges = guardInfra(ctx, infra, action, {action: auditAction, target: `infrastructure:${id}`})
  return {infra, privileges}
}

/** Infrastructures as permissioned objects: their catalogue of operations and permission rows. */
const INFRA: PermissionedKind<InfraPrivilege, InfraAction, Infrastructure> &
  GuardedKind<keyof typeof INFRA_OPERATIONS, InfraAction, Infrastructure> = {
  noun: 'infrastructure',
  topic: 'infra',
  operations: INFRA_OPERATIONS,
  load: (ctx, id, needs, action) => loadInfraFor(ctx, id, needs, action).infra,
  permissionTable: 'infra_permissions',
  permissionColumn: 'infra_id',
  privileges: INFRA_PRIVILEGES,
  expand: expandInfraPrivileges,
}

/** Global administrators only; the operator and admin keys pass. */
export function createInfra(ctx: Context, input: {id: string; stage: string}): Infrastructure {
  const id = validateObjectId('infrastructure', input.id)
  const stage = validateStage(input.stage)
  const action = 'infra.create'
  const target = `infrastructure:${id}`
  return mutate(ctx, action, target, () => {
    const {db} = ctx.store
    const accountId = callerAccount(ctx)
    if (accountId !== null) {
      if (!isGlobalAdmin(db, accountId)) {
        throw new DeniedError('permission denied: creating an infrastructure needs a global administrator (a member of a group with --admin)', {
          action,
          target,
        })
      }

      requireTokenPermits(ctx.caller, {function: CREATE_FUNCTION, resource: 'infrastructures', account: accountId, entity: id, action, target})
    }

    if (findInfra(db, id)) throw new ConflictError(`an infrastructure with id '${id}' already exists`)
    const infra: Infrastructure = {id, stage, ownerAccountId: accountId, createdAt: nowIso(), createdBy: actorOf(ctx.caller)}
    db.prepare(`INSERT INTO infrastructures (${INFRA_COLUMNS}) VALUES (?, ?, ?, ?, ?)`).run(
      infra.id,
      infra.stage,
      infra.ownerAccountId,
      infra.createdAt,
      infra.createdBy,
    )
    return infra
  })
}

/** The infrastructures the caller may view, ordered by id. */
/** The fields `infra list --sort` takes. */
export const INFRA_SORT_COLUMNS = {id: 'i.id', stage: 'i.stage', created: 'i.created_at'} as const

export function listInfras(ctx: Context, page: Page & ListQuery): PageOf<Infrastructure> {
  const order = {columns: INFRA_SORT_COLUMNS, fallback: 'id', key: 'i.id'}
  return pageVisible(ctx, `SELECT ${INFRA_COLUMNS} FROM infrastructures i`, infraViewableFilter(ctx, 'i'), order, page, toInfra)
}

export function getInfra(ctx: Context, id: string): InfrastructureDetails {
  return ctx.store.read(() => {
    const {infra, privileges} = loadInfraFor(ctx, id, INFRA_OPERATIONS.get, 'infra.get')
    const deploymentCount = ctx.store.db.prepare('SELECT count(*) FROM deployments WHERE infra_id = ?').pluck().get(infra.id) as number
    return {...infra, privileges, deploymentCount}
  })
}

export function updateInfra(ctx: Context, id: string, change: {stage?: string}): Infrastructure {
  if (change.stage === undefined) throw new UsageError('nothing to update: give --stage')
  const stage = validateStage(change.stage)
  return changeObject(ctx, INFRA, id, 'update', (infra) => {
    ctx.store.db.prepare('UPDATE infrastructures SET stage = ? WHERE id = ?').run(stage, infra.id)
    return {...infra, stage}
  })
}

export function deleteInfra(ctx: Context, id: string): Infrastructure {
  return changeObject(ctx, INFRA, id, 'delete', (infra) => {
    const {db} = ctx.store
    refuseWhileDeployed(db, 'infrastructure', infra.id)
    db.prepare('DELETE FROM infrastructures WHERE id = ?').run(infra.id)
    return infra
  })
}

// Permissions per group.

export type InfraPermission = GroupPermission<InfraPrivilege>

export interface InfraPermissions {
  infrastructure: string
  permissions: InfraPermission[]
}

export const INFRA_PERMISSION_SORT_COLUMNS = permissionSortColumns(INFRA_PRIVILEGES)

/** --name matches the group's name. */
export function listInfraPermissions(ctx: Context, id: string, query: ListQuery = {}): InfraPermissions {
  const {object, permissions} = listPermissions(ctx, INFRA, id, query)
  return {infrastructure: object.id, permissions}
}

export function setInfraPermission(ctx: Context, id: string, groupName: string, change: PrivilegeChange<InfraPrivilege>): InfraPermission {
  return setPermission(ctx, INFRA, id, groupName, change)
}

export function removeInfraPermission(ctx: Context, id: string, groupName: string): {infrastructure: string; group: string; removed: boolean} {
  const {object, removed} = removePermission(ctx, INFRA, id, groupName)
  return {infrastructure: object.id, group: groupName, removed}
}
