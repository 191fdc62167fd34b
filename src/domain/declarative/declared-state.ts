import {type AuthMode, INFRA_PRIVILEGES, type InfraStage, SERVICE_PRIVILEGES} from '../../core/deployer.js'
import {compare, type Kind, KINDS} from '../../core/declarative/document.js'
import type {ExportedState} from '../../core/declarative/export.js'
import {type CurrentState, emptyCurrentState, type PlanOptions} from '../../core/declarative/plan.js'
import {EVERYONE_GROUP} from '../../core/names.js'
import {DeniedError} from '../../errors.js'
import type {Db} from '../../store/store.js'
import {isGlobalAdmin, MEMBER_GROUPS, memberGroupParams, requireGlobalAdmin} from '../access.js'
import type {Context} from '../context.js'
import {deploymentVisibleFilter, infraViewableFilter, serviceReadableFilter} from '../object-access.js'

/**
 * The store's state as the declarative documents see it: read in bulk for `apply` and `diff` to plan against, and
 * written out as a document by `export`, limited to what the caller may see.
 */

/** One read of everything the plan compares: a handful of queries, each a table scan in key order. */
export function readCurrentState(db: Db): CurrentState {
  const state = emptyCurrentState()
  for (const row of db.prepare('SELECT name, is_admin, may_create_services FROM groups').raw().iterate() as IterableIterator<[string, number, number]>) {
    state.groups.set(row[0], {admin: row[1] === 1, mayCreateServices: row[2] === 1})
  }

  for (const [id, name] of db.prepare('SELECT id, name FROM accounts').raw().iterate() as IterableIterator<[string, string]>) {
    state.accounts.set(id, {name})
    state.accountIdByName.set(name, id)
  }

  for (const [group, account] of db.prepare('SELECT group_name, account_id FROM group_members').raw().iterate() as IterableIterator<[string, string]>) {
    let members = state.members.get(group)
    if (!members) state.members.set(group, (members = new Set()))
    members.add(account)
  }

  for (const [id, owner, isPublic] of db.prepare('SELECT id, owner_account_id, public FROM services').raw().iterate() as IterableIterator<[string, string | null, number]>) {
    state.services.set(id, {public: isPublic === 1, ownerAccountId: owner, permissions: new Map(), versions: []})
  }

  const servicePermissions = db
    .prepare('SELECT service_id, group_name, can_read, can_write, can_deploy, can_admin FROM service_permissions ORDER BY service_id, group_name')
    .raw()
    .iterate() as IterableIterator<[string, string, number, number, number, number]>
  for (const [service, group, ...flags] of servicePermissions) {
    state.services.get(service)?.permissions.set(group, SERVICE_PRIVILEGES.filter((_, index) => flags[index] === 1))
  }

  const versions = db
    .prepare('SELECT service_id, version FROM service_versions ORDER BY service_id, created_at, version')
    .raw()
    .iterate() as IterableIterator<[string, string]>
  for (const [service, version] of versions) state.services.get(service)?.versions.push(version)

  for (const [id, stage] of db.prepare('SELECT id, stage FROM infrastructures').raw().iterate() as IterableIterator<[string, InfraStage]>) {
    state.infrastructures.set(id, {stage, permissions: new Map()})
  }

  const infraPermissions = db
    .prepare('SELECT infra_id, group_name, can_view, can_deploy, can_admin FROM infra_permissions ORDER BY infra_id, group_name')
    .raw()
    .iterate() as IterableIterator<[string, string, number, number, number]>
  for (const [infra, group, ...flags] of infraPermissions) {
    state.infrastructures.get(infra)?.permissions.set(group, INFRA_PRIVILEGES.filter((_, index) => flags[index] === 1))
  }

  const deployments = db
    .prepare('SELECT id, service_id, infra_id, version, auth_mode, enabled FROM deployments')
    .raw()
    .iterate() as IterableIterator<[string, string, string, string | null, AuthMode, number]>
  for (const [id, service, infrastructure, version, authMode, enabled] of deployments) {
    state.deployments.set(id, {service, infrastructure, version, authMode, enabled: enabled === 1})
  }

  return state
}

/** The ids of what the caller may see, per kind, with the list commands' own filters; null: everything. */
export function visibleIds(ctx: Context): PlanOptions['prunable'] | undefined {
  if (ctx.caller.kind !== 'token') return undefined
  const {db} = ctx.store
  const ids = (sql: string, params: unknown[]) => new Set(db.prepare(sql).pluck().all(...params) as string[])
  const services = serviceReadableFilter(ctx, 's')
  const infras = infraViewableFilter(ctx, 'i')
  const deployments = deploymentVisibleFilter(ctx)
  const admin = isGlobalAdmin(db, ctx.caller.accountId)
  return {
    groups: admin ? ids('SELECT name FROM groups', []) : new Set(),
    accounts: admin ? ids('SELECT id FROM accounts', []) : new Set(),
    services: ids(`SELECT s.id FROM services s WHERE ${services.sql}`, services.params),
    infrastructures: ids(`SELECT i.id FROM infrastructures i WHERE ${infras.sql}`, infras.params),
    deployments: ids(`SELECT d.id FROM deployments d JOIN services s ON s.id = d.service_id WHERE ${deployments.sql}`, deployments.params),
  }
}

/**
 * The current state as a token caller may see it, for planning its document: what it may not see is left out, so a
 * reference to it (an `owner:`, a group in `permissions`, a deployment's service) is answered as a reference to
 * nothing (exit 2, at its line), never as a denial that would tell that it exists. A token sees its own account;
 * group names are seen by global administrators and by the administrators of any service or infrastructure (who
 * must name groups to grant them privileges), and the groups in the permissions of what the caller sees. The operator and admin keys see everything.
 */
export function readSeenState(ctx: Context): CurrentState {
  const current = readCurrentState(ctx.store.db)
  const visible = visibleIds(ctx)
  if (!visible || ctx.caller.kind !== 'token') return current
  const accounts = new Set(visible.accounts).add(ctx.caller.accountId)
  const keep = <V>(map: Map<string, V>, seen: ReadonlySet<string>) => new Map([...map].filter(([key]) => seen.has(key)))
  const services = keep(current.services, visible.services)
  const infrastructures = keep(current.infrastructures, visible.infrastructures)
  // Besides everyone's, the groups named in the permissions the caller can list (`service permissions list`).
  const groups = new Set([EVERYONE_GROUP])
  if (visible.groups.size > 0 || administersAnything(ctx)) for (const group of current.groups.keys()) groups.add(group)
  for (const object of [...services.values(), ...infrastructures.values()]) for (const group of object.permissions.keys()) groups.add(group)
  const members = new Map<string, Set<string>>()
  for (const [group, ids] of current.members) {
    if (groups.has(group)) members.set(group, new Set([...ids].filter((id) => accounts.has(id))))
  }

  return {
    groups: keep(current.groups, groups),
    accounts: keep(current.accounts, accounts),
    accountIdByName: new Map([...current.accountIdByName].filter(([, id]) => accounts.has(id))),
    members,
    services,
    infrastructures,
    deployments: keep(current.deployments, visible.deployments),
  }
}

/** Whether the token's account administers a service or an infrastructure (as owner or through a group). */
function administersAnything(ctx: Context): boolean {
  if (ctx.caller.kind !== 'token') return true
  const {db} = ctx.store
  const accountId = ctx.caller.accountId
  return (
    db.prepare('SELECT 1 FROM services WHERE owner_account_id = ? LIMIT 1').get(accountId) !== undefined ||
    db.prepare(`SELECT 1 FROM service_permissions WHERE can_admin = 1 AND group_name IN ${MEMBER_GROUPS} LIMIT 1`).get(...memberGroupParams(accountId)) !== undefined ||
    db.prepare(`SELECT 1 FROM infra_permissions WHERE can_admin = 1 AND group_name IN ${MEMBER_GROUPS} LIMIT 1`).get(...memberGroupParams(accountId)) !== undefined
  )
}

/**
 * The current state as a document, of the kinds asked for (all by default), in a stable order (by name or id,
 * code-unit order), showing only what the caller may see: services, infrastructures and deployments through the
 * list commands' own filters; groups and accounts only to a global administrator (as `groups list` and `accounts
 * list`), and left out for anyone else unless asked for by --kind, which is then refused as those lists are.
 */
export function exportState(ctx: Context, kinds: readonly Kind[] | undefined): ExportedState {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const wanted = new Set(kinds ?? KINDS)
    const explicit = new Set(kinds ?? [])
    const seesAccounts = (kind: 'groups' | 'accounts') => {
      if (!wanted.has(kind)) return false
      const attempt = {function: 'get', resource: kind, action: `${kind}.list`}
      if (explicit.has(kind)) {
        requireGlobalAdmin(ctx, attempt)
        return true
      }

      try {
        requireGlobalAdmin(ctx, attempt)
        return true
      } catch (error) {
        if (error instanceof DeniedError) return false
        throw error
      }
    }

    const current = readCurrentState(db)
    const visible = visibleIds(ctx)
    const names = (id: string | null) => (id === null ? null : (current.accounts.get(id)?.name ?? id))
    const result: ExportedState = {}
    const showGroups = seesAccounts('groups')
    const showAccounts = seesAccounts('accounts')
    if (showGroups) {
      result.groups = [...current.groups]
        .filter(([name, g]) => name !== EVERYONE_GROUP || g.admin || g.mayCreateServices)
        .sort((a, b) => compare(a[0], b[0]))
        .map(([name, g]) => ({name, ...g}))
    }

    if (showAccounts) {
      const groupsOf = new Map<string, string[]>()
      for (const group of [...current.members.keys()].sort(compare)) {
        for (const id of current.members.get(group)!) {
          const list = groupsOf.get(id)
          if (list) list.push(group)
          else groupsOf.set(id, [group])
        }
      }

      result.accounts = [...current.accounts]
        .sort((a, b) => compare(a[1].name, b[1].name))
        .map(([id, {name}]) => ({name, id, groups: groupsOf.get(id) ?? []}))
    }

    // Owners are named by account name to whoever may list accounts, and by id otherwise (as `service get` shows).
    const mayNameOwners = ctx.caller.kind !== 'token' || isGlobalAdmin(db, ctx.caller.accountId)
    const ownerOf = (id: string | null) => (mayNameOwners ? names(id) : id)
    if (wanted.has('services')) {
      result.services = [...current.services]
        .filter(([id]) => !visible || visible.services.has(id))
        .sort((a, b) => compare(a[0], b[0]))
        .map(([id, s]) => ({id, public: s.public, owner: ownerOf(s.ownerAccountId), permissions: s.permissions, versions: [...s.versions].sort(compare)}))
    }

    if (wanted.has('infrastructures')) {
      result.infrastructures = [...current.infrastructures]
        .filter(([id]) => !visible || visible.infrastructures.has(id))
        .sort((a, b) => compare(a[0], b[0]))
        .map(([id, i]) => ({id, stage: i.stage, permissions: i.permissions}))
    }

    if (wanted.has('deployments')) {
      result.deployments = [...current.deployments]
        .filter(([id]) => !visible || visible.deployments.has(id))
        .sort((a, b) => compare(a[0], b[0]))
        .map(([id, d]) => ({id, service: d.service, infrastructure: d.infrastructure, version: d.version, auth: d.authMode, enabled: d.enabled}))
    }

    return result
  })
}
