import {INFRA_PRIVILEGES, SERVICE_PRIVILEGES} from '../../core/deployer.js'
import type {Db} from '../../store/store.js'
import type {CanIAnswer} from '../can-i/answer.js'

/**
 * What the tests left unexercised, as `opa test --coverage` reports the rules no test evaluated. What an answer
 * relied on is what can-i's standing (--explain) shows of it: the group rows that gave the account something on the
 * objects asked about (and the membership that made the account one of the group), and for a global administrator,
 * or a question about creating a service, the global privilege of its group (and that membership).
 */

export interface PermissionCell {
  kind: 'service' | 'infrastructure'
  id: string
  group: string
  privilege: string
}

export interface Membership {
  group: string
  accountId: string
  accountName: string
}

export interface GlobalPrivilegeCell {
  group: string
  privilege: 'admin' | 'may-create-services'
}

export interface CoverageOf<T> {
  total: number
  exercised: number
  unexercised: T[]
}

export interface CoverageReport {
  permissions: CoverageOf<PermissionCell>
  memberships: CoverageOf<Membership>
  globalPrivileges: CoverageOf<GlobalPrivilegeCell>
}

const permissionKey = (cell: Omit<PermissionCell, 'privilege'> & {privilege: string}) => `${cell.kind}\u0000${cell.id}\u0000${cell.group}\u0000${cell.privilege}`
const membershipKey = (group: string, accountId: string) => `${group}\u0000${accountId}`
const globalKey = (group: string, privilege: string) => `${group}\u0000${privilege}`

export function coverageOf(db: Db, answers: readonly CanIAnswer[]): CoverageReport {
  const globals = db
    .prepare('SELECT name, is_admin, may_create_services FROM groups WHERE is_admin = 1 OR may_create_services = 1 ORDER BY name')
    .all() as Array<{name: string; is_admin: number; may_create_services: number}>
  const adminGroups = new Set(globals.filter((group) => group.is_admin === 1).map((group) => group.name))
  const creatorGroups = new Set(globals.filter((group) => group.may_create_services === 1).map((group) => group.name))

  const permissions = new Set<string>()
  const memberships = new Set<string>()
  const globalPrivileges = new Set<string>()
  for (const answer of answers) {
    const accountId = answer.subject.accountId
    if (accountId === null) continue
    const used = (group: string) => memberships.add(membershipKey(group, accountId))
    for (const standing of answer.standing) {
      for (const row of standing.viaGroups) {
        used(row.group)
        for (const privilege of row.privileges) permissions.add(permissionKey({kind: standing.kind, id: standing.id, group: row.group, privilege}))
      }
    }

    // A global administrator passes every guard through its admin group, whatever the object.
    const relied = new Map<string, Set<string>>()
    if (answer.globalPrivileges?.admin) relied.set('admin', adminGroups)
    if (answer.needs.some((need) => need.kind === 'global' && need.privilege === 'may-create-services')) relied.set('may-create-services', creatorGroups)
    for (const [privilege, groups] of relied) {
      for (const group of answer.groups) {
        if (!groups.has(group)) continue
        used(group)
        globalPrivileges.add(globalKey(group, privilege))
      }
    }
  }

  return {
    permissions: tally(permissionCells(db), (cell) => permissions.has(permissionKey(cell))),
    memberships: tally(
      db
        .prepare('SELECT m.group_name AS "group", m.account_id AS accountId, a.name AS accountName FROM group_members m JOIN accounts a ON a.id = m.account_id ORDER BY m.group_name, a.name')
        .all() as Membership[],
      (membership) => memberships.has(membershipKey(membership.group, membership.accountId)),
    ),
    globalPrivileges: tally(
      globals.flatMap((group): GlobalPrivilegeCell[] => [
        ...(group.is_admin === 1 ? [{group: group.name, privilege: 'admin' as const}] : []),
        ...(group.may_create_services === 1 ? [{group: group.name, privilege: 'may-create-services' as const}] : []),
      ]),
      (cell) => globalPrivileges.has(globalKey(cell.group, cell.privilege)),
    ),
  }
}

/** Every privilege every group row grants, one cell each, as the rows are stored (no implications added). */
function permissionCells(db: Db): PermissionCell[] {
  const cells: PermissionCell[] = []
  const tables = [
    {kind: 'service' as const, sql: 'SELECT service_id AS id, group_name, * FROM service_permissions ORDER BY service_id, group_name', privileges: SERVICE_PRIVILEGES},
    {kind: 'infrastructure' as const, sql: 'SELECT infra_id AS id, group_name, * FROM infra_permissions ORDER BY infra_id, group_name', privileges: INFRA_PRIVILEGES},
  ]
  for (const {kind, sql, privileges} of tables) {
    for (const row of db.prepare(sql).iterate() as Iterable<Record<string, unknown>>) {
      for (const privilege of privileges) {
        if (row[`can_${privilege}`] === 1) cells.push({kind, id: row.id as string, group: row.group_name as string, privilege})
      }
    }
  }

  return cells
}

function tally<T>(items: T[], exercised: (item: T) => boolean): CoverageOf<T> {
  const unexercised = items.filter((item) => !exercised(item))
  return {total: items.length, exercised: items.length - unexercised.length, unexercised}
}
