import {
  CREATE_FUNCTION,
  expandInfraPrivileges,
  INFRA_ACTIONS,
  INFRA_PRIVILEGES,
  INFRA_STAGES,
  type InfraPrivilege,
  type InfraStage,
} from '../core/deployer.js'
import {nowIso} from '../core/ids.js'
import {validateGroupName} from '../core/names.js'
import {ConflictError, DeniedError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {mutate} from './audit.js'
import {requireTokenPermits} from './authz.js'
import {actorOf, type Context, type Page, type PageOf, pageOf} from './context.js'
import {
  callerAccount,
  guardInfra,
  infraNotFound,
  infraViewableFilter,
  refuseWhileDeployed,
  type Subject,
  subjectOf,
  validateObjectId,
} from './deployer-access.js'
import {requireGroup} from './groups.js'
import {type PrivilegeChange} from './services.js'

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
  subject: Subject,
  id: string,
  action: keyof typeof INFRA_ACTIONS,
  auditAction: string,
): {infra: Infrastructure; privileges: InfraPrivilege[]} {
  validateObjectId('infrastructure', id)
  const infra = findInfra(ctx.store.db, id)
  if (!infra) throw infraNotFound(id)
  const privileges = guardInfra(ctx, subject, {id: infra.id, ownerAccountId: infra.ownerAccountId}, action, {
    action: auditAction,
    target: `infrastructure:${id}`,
  })
  return {infra, privileges}
}

/** Global administrators only; the operator and admin keys pass. */
export function createInfra(ctx: Context, input: {id: string; stage: string}): Infrastructure {
  const id = validateObjectId('infrastructure', input.id)
  const stage = validateStage(input.stage)
  const action = 'infra.create'
  const target = `infrastructure:${id}`
  return mutate(ctx, action, target, () => {
    const {db} = ctx.store
    const subject = subjectOf(ctx)
    if (subject.kind === 'account') {
      if (!subject.globalAdmin) {
        throw new DeniedError('permission denied: creating an infrastructure needs a global administrator (a member of a group with --admin)', {
          action,
          target,
        })
      }

      requireTokenPermits(ctx.caller, {function: CREATE_FUNCTION, resource: 'infrastructures', account: subject.accountId, entity: id, action, target})
    }

    if (findInfra(db, id)) throw new ConflictError(`an infrastructure with id '${id}' already exists`)
    const infra: Infrastructure = {id, stage, ownerAccountId: callerAccount(ctx), createdAt: nowIso(), createdBy: actorOf(ctx.caller)}
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

export function listInfras(ctx: Context, page: Page): PageOf<Infrastructure> {
  return ctx.store.read(() => {
    const filter = infraViewableFilter(subjectOf(ctx), 'i')
    const rows = ctx.store.db
      .prepare(`SELECT ${INFRA_COLUMNS} FROM infrastructures i WHERE ${filter.sql} ORDER BY i.id LIMIT ? OFFSET ?`)
      .iterate(...filter.params, page.limit + 1, page.offset) as IterableIterator<InfraRow>
    return pageOf(rows, page, toInfra)
  })
}

export function getInfra(ctx: Context, id: string): InfrastructureDetails {
  return ctx.store.read(() => {
    const {infra, privileges} = loadInfraFor(ctx, subjectOf(ctx), id, 'see', 'infra.get')
    const deploymentCount = ctx.store.db.prepare('SELECT count(*) FROM deployments WHERE infra_id = ?').pluck().get(infra.id) as number
    return {...infra, privileges, deploymentCount}
  })
}

export function updateInfra(ctx: Context, id: string, change: {stage?: string}): Infrastructure {
  if (change.stage === undefined) throw new UsageError('nothing to update: give --stage')
  const stage = validateStage(change.stage)
  return mutate(ctx, 'infra.update', `infrastructure:${id}`, () => {
    const {infra} = loadInfraFor(ctx, subjectOf(ctx), id, 'settings', 'infra.update')
    ctx.store.db.prepare('UPDATE infrastructures SET stage = ? WHERE id = ?').run(stage, infra.id)
    return {...infra, stage}
  })
}

export function deleteInfra(ctx: Context, id: string): Infrastructure {
  return mutate(ctx, 'infra.delete', `infrastructure:${id}`, () => {
    const {db} = ctx.store
    const {infra} = loadInfraFor(ctx, subjectOf(ctx), id, 'delete', 'infra.delete')
    refuseWhileDeployed(db, 'infrastructure', infra.id)

    db.prepare('DELETE FROM infrastructures WHERE id = ?').run(infra.id)
    return infra
  })
}

// Permissions per group.

export interface InfraPermission {
  group: string
  view: boolean
  deploy: boolean
  admin: boolean
  effective: InfraPrivilege[]
}

interface InfraPermissionRow {
  group_name: string
  can_view: number
  can_deploy: number
  can_admin: number
}

function toInfraPermission(row: InfraPermissionRow): InfraPermission {
  const granted = {view: row.can_view === 1, deploy: row.can_deploy === 1, admin: row.can_admin === 1}
  return {group: row.group_name, ...granted, effective: expandInfraPrivileges(INFRA_PRIVILEGES.filter((p) => granted[p]))}
}

function readInfraPermissions(db: Db, infraId: string): InfraPermission[] {
  const rows = db
    .prepare('SELECT group_name, can_view, can_deploy, can_admin FROM infra_permissions WHERE infra_id = ? ORDER BY group_name')
    .all(infraId) as InfraPermissionRow[]
  return rows.map(toInfraPermission)
}

export interface InfraPermissions {
  infrastructure: string
  permissions: InfraPermission[]
}

export function listInfraPermissions(ctx: Context, id: string): InfraPermissions {
  return ctx.store.read(() => {
    const {infra} = loadInfraFor(ctx, subjectOf(ctx), id, 'see', 'infra.permissions.list')
    return {infrastructure: infra.id, permissions: readInfraPermissions(ctx.store.db, infra.id)}
  })
}

export function setInfraPermission(ctx: Context, id: string, groupName: string, change: PrivilegeChange<InfraPrivilege>): InfraPermission {
  validateGroupName(groupName)
  if (INFRA_PRIVILEGES.every((privilege) => change[privilege] === undefined)) {
    throw new UsageError('nothing to set: give at least one of --view --deploy --admin (or their --no- forms)')
  }

  return mutate(ctx, 'infra.permissions.set', `infrastructure:${id}/group:${groupName}`, () => {
    const {db} = ctx.store
    const {infra} = loadInfraFor(ctx, subjectOf(ctx), id, 'permissions', 'infra.permissions.set')
    requireGroup(db, groupName)
    const current = readInfraPermissions(db, infra.id).find((p) => p.group === groupName)
    const value = (privilege: InfraPrivilege) => Number(change[privilege] ?? current?.[privilege] ?? false)
    db.prepare(
      `INSERT INTO infra_permissions (infra_id, group_name, can_view, can_deploy, can_admin) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (infra_id, group_name) DO UPDATE SET can_view = excluded.can_view, can_deploy = excluded.can_deploy,
         can_admin = excluded.can_admin`,
    ).run(infra.id, groupName, value('view'), value('deploy'), value('admin'))
    return readInfraPermissions(db, infra.id).find((p) => p.group === groupName)!
  })
}

export function removeInfraPermission(ctx: Context, id: string, groupName: string): {infrastructure: string; group: string; removed: boolean} {
  validateGroupName(groupName)
  return mutate(ctx, 'infra.permissions.remove', `infrastructure:${id}/group:${groupName}`, () => {
    const {db} = ctx.store
    const {infra} = loadInfraFor(ctx, subjectOf(ctx), id, 'permissions', 'infra.permissions.remove')
    requireGroup(db, groupName)
    const removed = db.prepare('DELETE FROM infra_permissions WHERE infra_id = ? AND group_name = ?').run(infra.id, groupName).changes === 1
    return {infrastructure: infra.id, group: groupName, removed}
  })
}
