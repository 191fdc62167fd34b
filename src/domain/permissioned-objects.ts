import {type ListQuery, orderByClause, type SortColumns, validateGlob} from '../core/list-query.js'
import {validateObjectId} from '../core/deployer.js'
import {validateGroupName} from '../core/names.js'
import {NotFoundError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {
  type ApiKey,
  type CreatedApiKey,
  deleteKeyRow,
  describeKeyId,
  findKey,
  insertKey,
  type KeyTable,
  listKeys,
  validateKeyId,
  validateKeyText,
} from './api-keys.js'
import {mutate} from './audit.js'
import {type Context, type Page, type PageOf, pageOf} from './context.js'
import {requireGroup} from './groups.js'

/**
 * What services, infrastructures and deployments have in common: every command on one of them is an operation of
 * its catalogue (core/deployer.ts), guarded and audited under the one name; per-group permission rows (services and
 * infrastructures) and query keys (services and deployments) are written once here for all of them.
 */

/** A kind of object and its catalogue of operations, with the loader that guards them. */
export interface GuardedKind<O extends string, N extends string, T extends {id: string}> {
  /** How targets and messages name the object: `service`, `infrastructure`, `deployment`. */
  noun: 'service' | 'infrastructure' | 'deployment'
  /** The first word of its audit actions: `service`, `infra`, `deployment`. */
  topic: 'service' | 'infra' | 'deployment'
  /** Each operation and the action of core/deployer.ts it needs. */
  operations: Readonly<Record<O, N>>
  /** Loads the object and checks the caller may do `needs` on it (not found when it may not see it). */
  load: (ctx: Context, id: string, needs: N, action: string) => T
}

function loadFor<O extends string, N extends string, T extends {id: string}>(ctx: Context, kind: GuardedKind<O, N, T>, id: string, op: O): T {
  return kind.load(ctx, id, kind.operations[op], `${kind.topic}.${op}`)
}

/** Runs a read-only operation on one object, once the caller passed its guard. */
export function readObject<O extends string, N extends string, T extends {id: string}, R>(
  ctx: Context,
  kind: GuardedKind<O, N, T>,
  id: string,
  op: O,
  work: (object: T) => R,
): R {
  return ctx.store.read(() => work(loadFor(ctx, kind, id, op)))
}

/**
 * Runs a change on one object as one audited operation: refused under the same action as it is recorded, its
 * target the object or, more precisely, `target` (a part of it, or computed from the result).
 */
export function changeObject<O extends string, N extends string, T extends {id: string}, R>(
  ctx: Context,
  kind: GuardedKind<O, N, T>,
  id: string,
  op: O,
  work: (object: T) => R,
  target: string | ((result: R) => string) = `${kind.noun}:${id}`,
): R {
  return mutate(ctx, `${kind.topic}.${op}`, target, () => work(loadFor(ctx, kind, id, op)))
}

/**
 * A page of the rows of `select` (a SELECT ... FROM with the table aliased) the caller may see, ordered by `orderBy`,
 * filtered in SQL by `visible` so the page is exact.
 */
export function pageVisible<R, T>(
  ctx: Context,
  select: string,
  visible: {sql: string; params: unknown[]},
  order: {columns: SortColumns; fallback: string; key: string},
  page: Page & ListQuery,
  toItem: (row: R) => T,
): PageOf<T> {
  const orderBy = orderByClause(order.columns, page, order.fallback, order.key)
  const name = page.name === undefined ? null : validateGlob(page.name)
  return ctx.store.read(() => {
    // The glob is on the object's id (its name), which is the order's key column.
    const rows = ctx.store.db
      .prepare(`${select} WHERE ${visible.sql} AND (? IS NULL OR ${order.key} GLOB ?) ORDER BY ${orderBy} LIMIT ? OFFSET ?`)
      .iterate(...visible.params, name, name, page.limit + 1, page.offset) as IterableIterator<R>
    return pageOf(rows, page, toItem)
  })
}

type PermissionOperation = 'permissions.list' | 'permissions.set' | 'permissions.remove'

export interface PermissionedKind<P extends string, N extends string, T extends {id: string}> extends GuardedKind<PermissionOperation, N, T> {
  permissionTable: 'service_permissions' | 'infra_permissions'
  permissionColumn: 'service_id' | 'infra_id'
  privileges: readonly P[]
  /** The privileges a set of granted ones gives, implications included. */
  expand: (granted: P[]) => P[]
}

/** One group's row: the privileges granted, and what members get from it. */
export type GroupPermission<P extends string> = {group: string} & Record<P, boolean> & {effective: P[]}

export type PrivilegeChange<P extends string> = Partial<Record<P, boolean>>

const column = (privilege: string) => `can_${privilege}`

type PermissionTable<P extends string> = Pick<PermissionedKind<P, string, {id: string}>, 'permissionTable' | 'permissionColumn' | 'privileges' | 'expand'>

/** The fields `service|infra permissions list --sort` takes: the group, and each privilege as granted (no before yes). */
export function permissionSortColumns<P extends string>(privileges: readonly P[]): Readonly<Record<'group' | P, string>> {
  return {group: 'group_name', ...Object.fromEntries(privileges.map((privilege) => [privilege, column(privilege)]))} as Record<'group' | P, string>
}

function readPermissions<P extends string>(
  db: Db,
  kind: PermissionTable<P>,
  objectId: string,
  groupName?: string,
  query: ListQuery = {},
): GroupPermission<P>[] {
  // One group's row by its key when asked: `apply` sets thousands of rows, and each set reads its row twice.
  const select = `SELECT group_name, ${kind.privileges.map(column).join(', ')} FROM ${kind.permissionTable} WHERE ${kind.permissionColumn} = ?`
  const rows = (
    groupName === undefined
      ? db
          .prepare(`${select} AND (? IS NULL OR group_name GLOB ?) ORDER BY ${orderByClause(permissionSortColumns(kind.privileges), query, 'group', 'group_name')}`)
          .all(objectId, query.name ?? null, query.name ?? null)
      : db.prepare(`${select} AND group_name = ?`).all(objectId, groupName)
  ) as Record<string, unknown>[]
  return rows.map((row) => {
    const granted = Object.fromEntries(kind.privileges.map((privilege) => [privilege, row[column(privilege)] === 1])) as Record<P, boolean>
    return {group: row.group_name as string, ...granted, effective: kind.expand(kind.privileges.filter((privilege) => granted[privilege]))}
  })
}

/** Who may do what on the object; part of seeing it. */
export function listPermissions<P extends string, N extends string, T extends {id: string}>(
  ctx: Context,
  kind: PermissionedKind<P, N, T>,
  id: string,
  query: ListQuery = {},
): {object: T; permissions: GroupPermission<P>[]} {
  // Checked before the object is read, as the SQL lists do, so a bad field is exit 2 whatever the caller may see.
  orderByClause(permissionSortColumns(kind.privileges), query, 'group', 'group_name')
  if (query.name !== undefined) validateGlob(query.name)
  return readObject(ctx, kind, id, 'permissions.list', (object) => ({object, permissions: readPermissions(ctx.store.db, kind, object.id, undefined, query)}))
}

/** Sets some of a group's privileges; those not given keep their value (false for a new row). */
export function setPermission<P extends string, N extends string, T extends {id: string}>(
  ctx: Context,
  kind: PermissionedKind<P, N, T>,
  id: string,
  groupName: string,
  change: PrivilegeChange<P>,
): GroupPermission<P> {
  validateGroupName(groupName)
  if (kind.privileges.every((privilege) => change[privilege] === undefined)) {
    throw new UsageError(`nothing to set: give at least one of ${kind.privileges.map((p) => `--${p}`).join(' ')} (or their --no- forms)`)
  }

  const {db} = ctx.store
  const columns = kind.privileges.map(column)
  const upsert = `INSERT INTO ${kind.permissionTable} (${kind.permissionColumn}, group_name, ${columns.join(', ')})
    VALUES (?, ?, ${columns.map(() => '?').join(', ')})
    ON CONFLICT (${kind.permissionColumn}, group_name) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`
  return changeObject(ctx, kind, id, 'permissions.set', (object) => {
    requireGroup(db, groupName)
    const [current] = readPermissions(db, kind, object.id, groupName)
    db.prepare(upsert).run(object.id, groupName, ...kind.privileges.map((privilege) => Number(change[privilege] ?? current?.[privilege] ?? false)))
    return readPermissions(db, kind, object.id, groupName)[0]
  }, `${kind.noun}:${id}/group:${groupName}`)
}

/** Removes a group's row; removing a row that is not there is reported, not an error, so it is safe to repeat. */
export function removePermission<P extends string, N extends string, T extends {id: string}>(
  ctx: Context,
  kind: PermissionedKind<P, N, T>,
  id: string,
  groupName: string,
): {object: T; removed: boolean} {
  validateGroupName(groupName)
  const {db} = ctx.store
  return changeObject(ctx, kind, id, 'permissions.remove', (object) => {
    requireGroup(db, groupName)
    const removed = db.prepare(`DELETE FROM ${kind.permissionTable} WHERE ${kind.permissionColumn} = ? AND group_name = ?`).run(object.id, groupName).changes === 1
    return {object, removed}
  }, `${kind.noun}:${id}/group:${groupName}`)
}

// Query keys.

type KeyOperation = 'keys.create' | 'keys.list' | 'keys.delete'

export interface KeyedKind<N extends string, T extends {id: string}> extends GuardedKind<KeyOperation, N, T> {
  noun: 'service' | 'deployment'
  keyTable: KeyTable
}

/** A new key, shown once; only its hash is kept. */
export function createKey<N extends string, T extends {id: string}>(
  ctx: Context,
  kind: KeyedKind<N, T>,
  id: string,
  input: {label?: string; description?: string},
): {object: T; key: CreatedApiKey} {
  const text = validateKeyText(input)
  return changeObject(
    ctx,
    kind,
    id,
    'keys.create',
    (object) => ({object, key: insertKey(ctx, kind.keyTable, object.id, text)}),
    ({key}) => `${kind.noun}:${id}/key:${key.id}`,
  )
}

/** The keys of the object, never their secrets; part of seeing it. */
export function listObjectKeys<N extends string, T extends {id: string}>(
  ctx: Context,
  kind: KeyedKind<N, T>,
  id: string,
  query: ListQuery = {},
): {object: T; keys: ApiKey[]} {
  return readObject(ctx, kind, id, 'keys.list', (object) => ({object, keys: listKeys(ctx.store.db, kind.keyTable, object.id, query)}))
}

export function deleteKey<N extends string, T extends {id: string}>(ctx: Context, kind: KeyedKind<N, T>, id: string, keyId: string): {object: T; key: ApiKey} {
  validateObjectId(kind.noun, id)
  validateKeyId(keyId, `accessctl ${kind.noun} keys list ${id}`)
  const {db} = ctx.store
  return changeObject(ctx, kind, id, 'keys.delete', (object) => {
    const key = findKey(db, kind.keyTable, object.id, keyId)
    if (!key) throw new NotFoundError(`${kind.noun} '${object.id}' has no key with ${describeKeyId(keyId)}`)
    deleteKeyRow(db, kind.keyTable, key.id)
    return {object, key}
  }, `${kind.noun}:${id}/key:${keyId}`)
}
