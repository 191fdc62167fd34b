import {type ListQuery, orderByClause, validateGlob} from '../core/list-query.js'
import {nowIso} from '../core/ids.js'
import {EVERYONE_GROUP, validateAccountId, validateGroupName, validateNewGroupName} from '../core/names.js'
import {ConflictError, NotFoundError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {mutate} from './audit.js'
import {requireGlobalAdmin} from './access.js'
import {type Context, type Page, type PageOf, pageOf} from './context.js'

export interface Group {
  name: string
  admin: boolean
  mayCreateServices: boolean
  builtin: boolean
  createdAt: string
}

export interface GroupDetails extends Group {
  /** Explicit members; null for `everyone`, which holds every account implicitly. */
  memberCount: number | null
  members: Array<{id: string; name: string}>
}

interface GroupRow {
  name: string
  is_admin: number
  may_create_services: number
  builtin: number
  created_at: string
}

const GROUP_COLUMNS = 'name, is_admin, may_create_services, builtin, created_at'

const toGroup = (row: GroupRow): Group => ({
  name: row.name,
  admin: row.is_admin === 1,
  mayCreateServices: row.may_create_services === 1,
  builtin: row.builtin === 1,
  createdAt: row.created_at,
})

/** How many members `groups get` shows; `accounts list --group` pages through the rest. */
export const MEMBERS_SHOWN = 100

export function requireGroup(db: Db, name: string): Group {
  validateGroupName(name)
  const row = db.prepare(`SELECT ${GROUP_COLUMNS} FROM groups WHERE name = ?`).get(name) as GroupRow | undefined
  if (!row) throw new NotFoundError(`no group named '${name}'`, {lookup: {kind: 'group', typed: name}})
  return toGroup(row)
}

export function createGroup(ctx: Context, input: {name: string; admin?: boolean; mayCreateServices?: boolean}): Group {
  const name = validateNewGroupName(input.name)
  return mutate(ctx, 'groups.create', `group:${name}`, () => {
    requireGlobalAdmin(ctx, {function: 'create', resource: 'groups', entity: name, action: 'groups.create', target: `group:${name}`})
    const {db} = ctx.store
    if (db.prepare('SELECT 1 FROM groups WHERE name = ?').get(name)) {
      throw new ConflictError(`a group named '${name}' already exists`)
    }

    const group: Group = {
      name,
      admin: input.admin ?? false,
      mayCreateServices: input.mayCreateServices ?? false,
      builtin: false,
      createdAt: nowIso(),
    }
    db.prepare('INSERT INTO groups (name, is_admin, may_create_services, created_at) VALUES (?, ?, ?, ?)').run(
      group.name,
      Number(group.admin),
      Number(group.mayCreateServices),
      group.createdAt,
    )
    return group
  })
}

export function updateGroup(ctx: Context, name: string, change: {admin?: boolean; mayCreateServices?: boolean}): Group {
  validateGroupName(name)
  if (change.admin === undefined && change.mayCreateServices === undefined) {
    throw new UsageError('nothing to update: give --admin/--no-admin or --may-create-services/--no-may-create-services')
  }

  return mutate(ctx, 'groups.update', `group:${name}`, () => {
    requireGlobalAdmin(ctx, {function: 'edit', resource: 'groups', entity: name, action: 'groups.update', target: `group:${name}`})
    const {db} = ctx.store
    const group = requireGroup(db, name)
    const updated = {...group, admin: change.admin ?? group.admin, mayCreateServices: change.mayCreateServices ?? group.mayCreateServices}
    db.prepare('UPDATE groups SET is_admin = ?, may_create_services = ? WHERE name = ?').run(
      Number(updated.admin),
      Number(updated.mayCreateServices),
      name,
    )
    return updated
  })
}

function refuseEveryoneMembership(name: string): void {
  if (name === EVERYONE_GROUP) {
    throw new UsageError(`'${EVERYONE_GROUP}' holds every account implicitly; its membership cannot change`)
  }
}

export interface MembershipChange {
  group: string
  changed: string[]
  unchanged: string[]
}

/** Adds accounts to a group in one transaction; accounts already in it are reported, not an error. */
export function addMembers(ctx: Context, name: string, accountIds: string[]): MembershipChange {
  validateGroupName(name)
  refuseEveryoneMembership(name)
  for (const id of accountIds) validateAccountId(id)
  return mutate(ctx, 'groups.add-member', `group:${name}`, () => {
    requireGlobalAdmin(ctx, {function: 'edit', resource: 'groups', entity: name, action: 'groups.add-member', target: `group:${name}`})
    const {db} = ctx.store
    requireGroup(db, name)
    const exists = db.prepare('SELECT 1 FROM accounts WHERE id = ?').pluck()
    const insert = db.prepare('INSERT OR IGNORE INTO group_members (group_name, account_id, added_at) VALUES (?, ?, ?)')
    const result: MembershipChange = {group: name, changed: [], unchanged: []}
    const now = nowIso()
    for (const id of new Set(accountIds)) {
      if (!exists.get(id)) throw new NotFoundError(`no account with id ${id}`)
      if (insert.run(name, id, now).changes === 1) result.changed.push(id)
      else result.unchanged.push(id)
    }

    return result
  })
}

/** Removes accounts from a group; accounts that were not members are reported, not an error (safe to repeat). */
export function removeMembers(ctx: Context, name: string, accountIds: string[]): MembershipChange {
  validateGroupName(name)
  refuseEveryoneMembership(name)
  for (const id of accountIds) validateAccountId(id)
  return mutate(ctx, 'groups.remove-member', `group:${name}`, () => {
    requireGlobalAdmin(ctx, {function: 'edit', resource: 'groups', entity: name, action: 'groups.remove-member', target: `group:${name}`})
    const {db} = ctx.store
    requireGroup(db, name)
    const exists = db.prepare('SELECT 1 FROM accounts WHERE id = ?').pluck()
    const remove = db.prepare('DELETE FROM group_members WHERE group_name = ? AND account_id = ?')
    const result: MembershipChange = {group: name, changed: [], unchanged: []}
    for (const id of new Set(accountIds)) {
      if (!exists.get(id)) throw new NotFoundError(`no account with id ${id}`)
      if (remove.run(name, id).changes === 1) result.changed.push(id)
      else result.unchanged.push(id)
    }

    return result
  })
}

export function getGroup(ctx: Context, name: string): GroupDetails {
  return readGroup(ctx, name, {function: 'get', action: 'groups.get'})
}

/** The group to delete, to name it in the confirmation; refused (and audited) as the deletion it is for. */
export function findGroupToDelete(ctx: Context, name: string): GroupDetails {
  return readGroup(ctx, name, {function: 'delete', action: 'groups.delete'})
}

function readGroup(ctx: Context, name: string, intent: {function: string; action: string}): GroupDetails {
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, {...intent, resource: 'groups', entity: name, target: `group:${name}`})
    const {db} = ctx.store
    const group = requireGroup(db, name)
    if (name === EVERYONE_GROUP) return {...group, memberCount: null, members: []}
    const memberCount = db.prepare('SELECT count(*) FROM group_members WHERE group_name = ?').pluck().get(name) as number
    const members = db
      .prepare(
        `SELECT a.id, a.name FROM group_members m JOIN accounts a ON a.id = m.account_id
         WHERE m.group_name = ? ORDER BY a.name LIMIT ?`,
      )
      .all(name, MEMBERS_SHOWN) as Array<{id: string; name: string}>
    return {...group, memberCount, members}
  })
}

export interface GroupSummary extends Group {
  memberCount: number | null
}

/** The fields `groups list --sort` takes; groups are few, so any order is cheap. */
export const GROUP_SORT_COLUMNS = {name: 'g.name', created: 'g.created_at'} as const

export function listGroups(ctx: Context, page: Page & ListQuery): PageOf<GroupSummary> {
  const orderBy = orderByClause(GROUP_SORT_COLUMNS, page, 'name', 'g.name')
  const name = page.name === undefined ? null : validateGlob(page.name)
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, {function: 'get', resource: 'groups', action: 'groups.list'})
    const rows = ctx.store.db
      .prepare(
        `SELECT g.name, g.is_admin, g.may_create_services, g.builtin, g.created_at,
                (SELECT count(*) FROM group_members m WHERE m.group_name = g.name) AS member_count
         FROM groups g WHERE (:name IS NULL OR g.name GLOB :name) ORDER BY ${orderBy} LIMIT :limit OFFSET :offset`,
      )
      .iterate({name, limit: page.limit + 1, offset: page.offset}) as IterableIterator<GroupRow & {member_count: number}>
    return pageOf(rows, page, (row): GroupSummary => ({...toGroup(row), memberCount: row.builtin === 1 ? null : row.member_count}))
  })
}

export function refuseBuiltinDeletion(name: string): void {
  if (name === EVERYONE_GROUP) throw new UsageError(`'${EVERYONE_GROUP}' is built in and cannot be deleted`)
}

export function deleteGroup(ctx: Context, name: string): Group {
  validateGroupName(name)
  refuseBuiltinDeletion(name)
  return mutate(ctx, 'groups.delete', `group:${name}`, () => {
    requireGlobalAdmin(ctx, {function: 'delete', resource: 'groups', entity: name, action: 'groups.delete', target: `group:${name}`})
    const {db} = ctx.store
    const group = requireGroup(db, name)
    db.prepare('DELETE FROM groups WHERE name = ?').run(name)
    return group
  })
}
