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
import type {Context} from './context.js'
import {requireGroup} from './groups.js'
import {validateObjectId} from './object-access.js'

/**
 * What services, infrastructures and deployments have in common: per-group permission rows (services and
 * infrastructures) and query keys (services and deployments), each operation written once here and guarded by the
 * object's own loader (which checks the caller may do `needs` on it, and names the attempt for the audit log).
 */

/** Loads the object with id `id` for an operation needing `needs`, audited as `action` if refused. */
export type GuardedLoader<N extends string, T extends {id: string}> = (ctx: Context, id: string, needs: N, action: string) => T

export interface PermissionedKind<P extends string, T extends {id: string}> {
  /** How targets and messages name the object: `service`, `infrastructure`. */
  noun: 'service' | 'infrastructure'
  /** The first word of its audit actions: `service`, `infra`. */
  topic: 'service' | 'infra'
  table: 'service_permissions' | 'infra_permissions'
  column: 'service_id' | 'infra_id'
  privileges: readonly P[]
  /** The privileges a set of granted ones gives, implications included. */
  expand: (granted: P[]) => P[]
  load: GuardedLoader<'see' | 'permissions', T>
}

/** One group's row: the privileges granted, and what members get from it. */
export type GroupPermission<P extends string> = {group: string} & Record<P, boolean> & {effective: P[]}

export type PrivilegeChange<P extends string> = Partial<Record<P, boolean>>

const column = (privilege: string) => `can_${privilege}`

function readPermissions<P extends string>(db: Db, kind: Omit<PermissionedKind<P, never>, 'load'>, objectId: string): GroupPermission<P>[] {
  const rows = db
    .prepare(`SELECT group_name, ${kind.privileges.map(column).join(', ')} FROM ${kind.table} WHERE ${kind.column} = ? ORDER BY group_name`)
    .all(objectId) as Record<string, unknown>[]
  return rows.map((row) => {
    const granted = Object.fromEntries(kind.privileges.map((privilege) => [privilege, row[column(privilege)] === 1])) as Record<P, boolean>
    return {group: row.group_name as string, ...granted, effective: kind.expand(kind.privileges.filter((privilege) => granted[privilege]))}
  })
}

/** Who may do what on the object; part of seeing it. */
export function listPermissions<P extends string, T extends {id: string}>(
  ctx: Context,
  kind: PermissionedKind<P, T>,
  id: string,
): {object: T; permissions: GroupPermission<P>[]} {
  return ctx.store.read(() => {
    const object = kind.load(ctx, id, 'see', `${kind.topic}.permissions.list`)
    return {object, permissions: readPermissions(ctx.store.db, kind, object.id)}
  })
}

/** Sets some of a group's privileges; those not given keep their value (false for a new row). */
export function setPermission<P extends string, T extends {id: string}>(
  ctx: Context,
  kind: PermissionedKind<P, T>,
  id: string,
  groupName: string,
  change: PrivilegeChange<P>,
): GroupPermission<P> {
  validateGroupName(groupName)
  if (kind.privileges.every((privilege) => change[privilege] === undefined)) {
    throw new UsageError(`nothing to set: give at least one of ${kind.privileges.map((p) => `--${p}`).join(' ')} (or their --no- forms)`)
  }

  const action = `${kind.topic}.permissions.set`
  return mutate(ctx, action, `${kind.noun}:${id}/group:${groupName}`, () => {
    const {db} = ctx.store
    const object = kind.load(ctx, id, 'permissions', action)
    requireGroup(db, groupName)
    const current = readPermissions(db, kind, object.id).find((p) => p.group === groupName)
    const columns = kind.privileges.map(column)
    db.prepare(
      `INSERT INTO ${kind.table} (${kind.column}, group_name, ${columns.join(', ')}) VALUES (?, ?, ${columns.map(() => '?').join(', ')})
       ON CONFLICT (${kind.column}, group_name) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    ).run(object.id, groupName, ...kind.privileges.map((privilege) => Number(change[privilege] ?? current?.[privilege] ?? false)))
    return readPermissions(db, kind, object.id).find((p) => p.group === groupName)!
  })
}

/** Removes a group's row; removing a row that is not there is reported, not an error, so it is safe to repeat. */
export function removePermission<P extends string, T extends {id: string}>(
  ctx: Context,
  kind: PermissionedKind<P, T>,
  id: string,
  groupName: string,
): {object: T; removed: boolean} {
  validateGroupName(groupName)
  const action = `${kind.topic}.permissions.remove`
  return mutate(ctx, action, `${kind.noun}:${id}/group:${groupName}`, () => {
    const {db} = ctx.store
    const object = kind.load(ctx, id, 'permissions', action)
    requireGroup(db, groupName)
    const removed = db.prepare(`DELETE FROM ${kind.table} WHERE ${kind.column} = ? AND group_name = ?`).run(object.id, groupName).changes === 1
    return {object, removed}
  })
}

// Query keys.

export interface KeyedKind<T extends {id: string}> {
  /** How targets, messages and audit actions name the object: `service`, `deployment`. */
  noun: 'service' | 'deployment'
  table: KeyTable
  load: GuardedLoader<'see' | 'keys', T>
}

/** A new key, shown once; only its hash is kept. */
export function createKey<T extends {id: string}>(
  ctx: Context,
  kind: KeyedKind<T>,
  id: string,
  input: {label?: string; description?: string},
): {object: T; key: CreatedApiKey} {
  const text = validateKeyText(input)
  const action = `${kind.noun}.keys.create`
  return mutate(ctx, action, ({key}) => `${kind.noun}:${id}/key:${key.id}`, () => {
    const object = kind.load(ctx, id, 'keys', action)
    return {object, key: insertKey(ctx, kind.table, object.id, text)}
  })
}

/** The keys of the object, never their secrets; part of seeing it. */
export function listObjectKeys<T extends {id: string}>(ctx: Context, kind: KeyedKind<T>, id: string): {object: T; keys: ApiKey[]} {
  return ctx.store.read(() => {
    const object = kind.load(ctx, id, 'see', `${kind.noun}.keys.list`)
    return {object, keys: listKeys(ctx.store.db, kind.table, object.id)}
  })
}

export function deleteKey<T extends {id: string}>(ctx: Context, kind: KeyedKind<T>, id: string, keyId: string): {object: T; key: ApiKey} {
  validateObjectId(kind.noun, id)
  validateKeyId(keyId, `accessctl ${kind.noun} keys list ${id}`)
  const action = `${kind.noun}.keys.delete`
  return mutate(ctx, action, `${kind.noun}:${id}/key:${keyId}`, () => {
    const {db} = ctx.store
    const object = kind.load(ctx, id, 'keys', action)
    const key = findKey(db, kind.table, object.id, keyId)
    if (!key) throw new NotFoundError(`${kind.noun} '${object.id}' has no key with ${describeKeyId(keyId)}`)
    deleteKeyRow(db, kind.table, key.id)
    return {object, key}
  })
}
