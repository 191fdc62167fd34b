import {
  expandInfraPrivileges,
  expandServicePrivileges,
  INFRA_PRIVILEGES,
  type InfraPrivilege,
  type InfraStage,
  SERVICE_PRIVILEGES,
  type ServicePrivilege,
} from '../../core/deployer.js'
import type {AccountRef, ReviewInfrastructure, ReviewService} from '../../core/review.js'
import type {Db} from '../../store/store.js'

/**
 * Services and infrastructures with the groups holding each privilege, read in one ordered pass each (objects and
 * their permission rows joined), so the cost is one walk of the two tables however many objects there are. Each
 * object is handed on as soon as its rows are read, so a long list is written while it is read, never held.
 */

interface ObjectRow {
  id: string
  owner_id: string | null
  owner_name: string | null
  group_name: string | null
}

const ownerOf = (row: ObjectRow): AccountRef | null => (row.owner_id === null ? null : {id: row.owner_id, name: row.owner_name ?? row.owner_id})

/**
 * Walks rows ordered by object id, starting an object at each new id and adding the group's expanded privileges to
 * it; each list of groups is sorted when the object is complete. Sorting the few groups of one object here, rather
 * than every row in SQL (a temporary B-tree of all permission rows), keeps the walk's memory flat; group names are
 * [a-z0-9._-] (core/names.ts), which JavaScript sorts as SQLite does. Privilege columns are `can_<privilege>`.
 */
function* groupByObject<R extends ObjectRow, P extends string, O extends {privileges: Record<P, string[]>}>(
  rows: Iterable<R>,
  privileges: readonly P[],
  expand: (granted: P[]) => P[],
  start: (row: R) => O,
): Generator<O> {
  let current: O | undefined
  let currentId: string | undefined
  for (const row of rows) {
    if (row.id !== currentId) {
      if (current !== undefined) yield sortedGroups(current)
      current = start(row)
      currentId = row.id
    }

    if (row.group_name === null) continue
    const granted = privileges.filter((privilege) => (row as unknown as Record<string, number>)[`can_${privilege}`] === 1)
    for (const privilege of expand(granted)) current!.privileges[privilege].push(row.group_name)
  }

  if (current !== undefined) yield sortedGroups(current)
}

function sortedGroups<O extends {privileges: Record<string, string[]>}>(object: O): O {
  for (const groups of Object.values(object.privileges)) groups.sort()
  return object
}

const emptyPrivileges = <P extends string>(privileges: readonly P[]) =>
  Object.fromEntries(privileges.map((privilege) => [privilege, [] as string[]])) as Record<P, string[]>

/** Every service by id, read as it is consumed: consume it inside the read transaction, once. */
export function* reviewServices(db: Db): Generator<ReviewService> {
  const rows = db
    .prepare(
      `SELECT s.id, s.public, s.owner_account_id AS owner_id, a.name AS owner_name,
              p.group_name, p.can_read, p.can_write, p.can_deploy, p.can_admin
       FROM services s LEFT JOIN accounts a ON a.id = s.owner_account_id
       LEFT JOIN service_permissions p ON p.service_id = s.id
       ORDER BY s.id`,
    )
    .iterate() as IterableIterator<ObjectRow & {public: number}>
  yield* groupByObject<ObjectRow & {public: number}, ServicePrivilege, ReviewService>(rows, SERVICE_PRIVILEGES, expandServicePrivileges, (row) => ({
    id: row.id,
    public: row.public === 1,
    owner: ownerOf(row),
    privileges: emptyPrivileges(SERVICE_PRIVILEGES),
  }))
}

export function* reviewInfrastructures(db: Db): Generator<ReviewInfrastructure> {
  const rows = db
    .prepare(
      `SELECT i.id, i.stage, i.owner_account_id AS owner_id, a.name AS owner_name,
              p.group_name, p.can_view, p.can_deploy, p.can_admin
       FROM infrastructures i LEFT JOIN accounts a ON a.id = i.owner_account_id
       LEFT JOIN infra_permissions p ON p.infra_id = i.id
       ORDER BY i.id`,
    )
    .iterate() as IterableIterator<ObjectRow & {stage: InfraStage}>
  yield* groupByObject<ObjectRow & {stage: InfraStage}, InfraPrivilege, ReviewInfrastructure>(rows, INFRA_PRIVILEGES, expandInfraPrivileges, (row) => ({
    id: row.id,
    stage: row.stage,
    owner: ownerOf(row),
    privileges: emptyPrivileges(INFRA_PRIVILEGES),
  }))
}

/**
 * The groups that hold some privilege on some service or infrastructure: those the review's lists of objects name. A
 * permission row holding nothing names no group, as it adds the group to none of the object's privileges. Asked of
 * each group through the by-group indexes, which stop at its first row: a UNION of every permission row would sort
 * them all in memory.
 */
export function groupsHoldingPrivileges(db: Db): string[] {
  return db
    .prepare(
      `SELECT name FROM groups g
       WHERE EXISTS (SELECT 1 FROM service_permissions p WHERE p.group_name = g.name
                     AND (p.can_read = 1 OR p.can_write = 1 OR p.can_deploy = 1 OR p.can_admin = 1))
          OR EXISTS (SELECT 1 FROM infra_permissions p WHERE p.group_name = g.name AND (p.can_view = 1 OR p.can_deploy = 1 OR p.can_admin = 1))`,
    )
    .pluck()
    .all() as string[]
}
