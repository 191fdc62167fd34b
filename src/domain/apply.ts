import {type AuthMode, INFRA_PRIVILEGES, type InfraStage, SERVICE_PRIVILEGES} from '../core/deployer.js'
import {
  type AccountRef,
  type Change,
  compare,
  computePlan,
  type CurrentState,
  DocumentError,
  type ExportedState,
  type Kind,
  KINDS,
  type ParsedDocument,
  type PlannedChange,
  type PlanOptions,
} from '../core/desired-state.js'
import {EVERYONE_GROUP} from '../core/names.js'
import {AccessctlError, ConflictError, DeniedError, NotFoundError, StoreError, UsageError} from '../errors.js'
import {type Db, reuseStatements, type Store} from '../store/store.js'
import {createAccount, deleteAccount} from './accounts.js'
import {mutate} from './audit.js'
import {isGlobalAdmin, requireGlobalAdmin} from './access.js'
import type {Context} from './context.js'
import {deploymentVisibleFilter, infraViewableFilter, serviceReadableFilter} from './object-access.js'
import {createDeployment, deleteDeployment, setDeploymentAuth, setDeploymentEnabled, updateDeployment} from './deployments.js'
import {addMembers, createGroup, deleteGroup, removeMembers, updateGroup} from './groups.js'
import {createInfra, deleteInfra, removeInfraPermission, setInfraPermission, updateInfra} from './infrastructures.js'
import {addVersion, deleteVersion} from './service-versions.js'
import {
  createService,
  deleteService,
  loadServiceFor,
  removeServicePermission,
  setServicePermission,
  updateService,
} from './services.js'

/**
 * `apply`, `diff` and `export` over the store. The plan is computed from one bulk read of the store; it is carried
 * out change by change through the same domain functions as the matching commands, so each change is checked
 * (the caller's rights, a token's grants) and audited exactly as that command would be, all inside ONE write
 * transaction: each domain call becomes a savepoint of it, and any refused change rolls the whole apply back.
 */

export interface PlanResult {
  changes: PlannedChange[]
}

export interface ApplyResult extends PlanResult {
  /** False for a dry run (and for an empty plan, which writes nothing at all). */
  applied: boolean
}

/** One read of everything the plan compares: a handful of queries, each a table scan in key order. */
export function readCurrentState(db: Db): CurrentState {
  const state: CurrentState = {
    groups: new Map(),
    accounts: new Map(),
    accountIdByName: new Map(),
    members: new Map(),
    services: new Map(),
    infrastructures: new Map(),
    deployments: new Map(),
  }
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
function visibleIds(ctx: Context): PlanOptions['prunable'] | undefined {
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

function plan(ctx: Context, parsed: ParsedDocument, prune: boolean): PlannedChange[] {
  const current = readCurrentState(ctx.store.db)
  const {changes, problems} = computePlan(parsed.state, current, {prune, prunable: prune ? visibleIds(ctx) : undefined})
  if (problems.length > 0) throw new DocumentError(problems.slice(0, 20).map(parsed.locate).join('\n'))
  return changes
}

/** The plan alone, from one read transaction: nothing is checked against the caller's rights, nothing written. */
export function planApply(ctx: Context, parsed: ParsedDocument, options: {prune: boolean}): PlanResult {
  return {changes: ctx.store.read(() => plan(ctx, parsed, options.prune))}
}

/** Thrown to roll a dry run back once every change went through. */
class DryRunDone extends Error {
  constructor(readonly changes: PlannedChange[]) {
    super('dry run')
  }
}

/**
 * Applies the document: plans again inside the write transaction (the store may have changed since the plan was
 * shown), carries out every change, and commits only when all of them went through. Refused changes are all
 * listed, with their lines; with any of them nothing is written but the denial's audit row. A dry run does all of
 * it and rolls back, so it reports what a real run would refuse. An empty plan never opens a write transaction.
 */
export function applyDocument(ctx: Context, parsed: ParsedDocument, options: {prune: boolean; dryRun: boolean}): ApplyResult {
  const {store} = ctx
  let seen = -1
  const first = store.read(() => {
    seen = store.dataVersion()
    return plan(ctx, parsed, options.prune)
  })
  if (first.length === 0) return {changes: [], applied: false}
  // A bigger page cache keeps the indexes a large apply grows in memory instead of spilling them mid-transaction.
  store.db.pragma('cache_size = -8192')
  // The domain prepares its statements per call; over thousands of changes, preparing (and the native memory of
  // statements waiting for the garbage collector) cost more than running them.
  reuseStatements(store.db)
  // Inside the one transaction each domain change runs directly, not in a savepoint of its own: a refused change
  // fails the whole apply, which rolls everything back, so there is nothing to undo change by change.
  const inside: Context = {caller: ctx.caller, store: Object.create(store, {write: {value: <T>(work: () => T): T => work()}}) as Store}
  try {
    const changes = store.write(() => {
      // Planned again only when another process committed since the plan was made (data_version moved).
      const planned = store.dataVersion() === seen ? first : plan(ctx, parsed, options.prune)
      const refused = carryOut(inside, planned)
      if (refused.length > 0) throw refusal(refused, parsed)
      if (options.dryRun) throw new DryRunDone(planned)
      return planned
    })
    return {changes, applied: true}
  } catch (error) {
    if (error instanceof DryRunDone) return {changes: error.changes, applied: false}
    throw error
  }
}

interface Refused {
  planned: PlannedChange
  error: AccessctlError
}

/** All refusals in one error: a denial (exit 3, audited) when any change was denied, else the first one's kind. */
function refusal(refused: Refused[], parsed: ParsedDocument): AccessctlError {
  const lines = refused.map(({planned, error}) => {
    const what = `${planned.change.op} ${planned.change.kind} ${planned.change.target}: ${error.message}`
    return `  ${planned.path ? parsed.locate({path: planned.path, message: what}) : what}`
  })
  const message = `nothing was applied: ${refused.length} change${refused.length === 1 ? ' was' : 's were'} refused\n${lines.join('\n')}`
  const denied = refused.some(({error}) => error instanceof DeniedError)
  if (denied) return new DeniedError(message, {action: 'apply'})
  const {exitCode} = refused[0].error
  if (exitCode === 4) return new NotFoundError(message)
  if (exitCode === 5) return new ConflictError(message)
  if (exitCode === 6) return new StoreError(message)
  return new UsageError(message)
}

/** The object a change belongs to: once a change of it is refused, its later changes are not attempted. */
function rootOf(change: Change): string {
  switch (change.kind) {
    case 'service':
    case 'service-version':
    case 'service-permission': {
      return `service:${'service' in change ? change.service : change.target}`
    }

    case 'infrastructure':
    case 'infra-permission': {
      return `infrastructure:${'infra' in change ? change.infra : change.target}`
    }

    case 'membership': {
      return `group:${change.group}`
    }

    default: {
      return `${change.kind}:${change.target}`
    }
  }
}

function carryOut(ctx: Context, planned: PlannedChange[]): Refused[] {
  const refused: Refused[] = []
  const failedRoots = new Set<string>()
  const createdAccounts = new Map<string, string>()
  const accountId = (ref: AccountRef) => ref.id ?? createdAccounts.get(ref.name) ?? ref.name
  for (let index = 0; index < planned.length; index++) {
    const item = planned[index]
    const {change} = item
    const root = rootOf(change)
    const dependsOn = change.kind === 'deployment' && change.op === 'create' ? [`service:${change.values.service}`, `infrastructure:${change.values.infrastructure}`] : []
    if (failedRoots.has(root) || dependsOn.some((r) => failedRoots.has(r))) continue
    // Consecutive membership changes of one group and direction are one call, as `groups add-member -i A,B` is.
    let batch = [item]
    if (change.kind === 'membership') {
      while (index + 1 < planned.length) {
        const next = planned[index + 1].change
        if (next.kind !== 'membership' || next.op !== change.op || next.group !== change.group) break
        batch.push(planned[++index])
      }
    } else {
      batch = [item]
    }

    try {
      if (change.kind === 'membership') {
        const ids = batch.map(({change: c}) => accountId((c as Extract<Change, {kind: 'membership'}>).account))
        if (change.op === 'create') addMembers(ctx, change.group, ids)
        else removeMembers(ctx, change.group, ids)
      } else {
        carryOutOne(ctx, change, accountId, createdAccounts)
      }
    } catch (error) {
      if (!(error instanceof AccessctlError) || error instanceof StoreError) throw error
      failedRoots.add(root)
      refused.push({planned: item, error})
    }
  }

  return refused
}

function carryOutOne(ctx: Context, change: Change, accountId: (ref: AccountRef) => string, createdAccounts: Map<string, string>): void {
  switch (change.kind) {
    case 'group': {
      if (change.op === 'create') createGroup(ctx, {name: change.target, ...change.values})
      else if (change.op === 'change') updateGroup(ctx, change.target, change.values)
      else deleteGroup(ctx, change.target)
      return
    }

    case 'account': {
      if (change.op === 'create') {
        const account = createAccount(ctx, {name: change.target, groups: change.values.groups, id: change.values.id})
        createdAccounts.set(account.name, account.id)
      } else {
        deleteAccount(ctx, {id: change.id})
      }

      return
    }

    case 'service': {
      if (change.op === 'create') {
        const owner = change.values.owner && accountId(change.values.owner)
        // A token creates services owned by its own account: naming that account is saying the same thing.
        const ownNamed = ctx.caller.kind === 'token' && owner === ctx.caller.accountId
        createService(ctx, {id: change.target, public: change.values.public, owner: ownNamed ? undefined : owner})
      } else if (change.op === 'change') {
        if (change.values.public !== undefined) updateService(ctx, change.target, {public: change.values.public})
        if (change.values.owner !== undefined) changeServiceOwner(ctx, change.target, accountId(change.values.owner))
      } else {
        deleteService(ctx, change.target)
      }

      return
    }

    case 'service-version': {
      if (change.op === 'create') addVersion(ctx, change.service, change.version)
      else deleteVersion(ctx, change.service, change.version)
      return
    }

    case 'service-permission': {
      if (change.op === 'remove') removeServicePermission(ctx, change.service, change.group)
      else setServicePermission(ctx, change.service, change.group, flags(SERVICE_PRIVILEGES, change.privileges))
      return
    }

    case 'infrastructure': {
      if (change.op === 'create') createInfra(ctx, {id: change.target, stage: change.values.stage})
      else if (change.op === 'change') updateInfra(ctx, change.target, {stage: change.values.stage})
      else deleteInfra(ctx, change.target)
      return
    }

    case 'infra-permission': {
      if (change.op === 'remove') removeInfraPermission(ctx, change.infra, change.group)
      else setInfraPermission(ctx, change.infra, change.group, flags(INFRA_PRIVILEGES, change.privileges))
      return
    }

    case 'deployment': {
      if (change.op === 'create') {
        const {service, infrastructure, version, auth, enabled} = change.values
        createDeployment(ctx, {id: change.target, service, infra: infrastructure, version})
        if (auth !== 'inherit') setDeploymentAuth(ctx, change.target, auth)
        if (!enabled) setDeploymentEnabled(ctx, change.target, false)
      } else if (change.op === 'change') {
        if (change.values.version !== undefined) updateDeployment(ctx, change.target, {version: change.values.version})
        if (change.values.auth !== undefined) setDeploymentAuth(ctx, change.target, change.values.auth)
        if (change.values.enabled !== undefined) setDeploymentEnabled(ctx, change.target, change.values.enabled)
      } else {
        deleteDeployment(ctx, change.target)
      }

      return
    }

    case 'membership': {
      throw new Error('memberships are carried out in batches')
    }
  }
}

/** Every privilege named true and every other false: the document gives a permission row whole. */
function flags<P extends string>(all: readonly P[], granted: readonly P[]): Record<P, boolean> {
  return Object.fromEntries(all.map((p) => [p, granted.includes(p)])) as Record<P, boolean>
}

/**
 * The owner of an existing service, which no command but `service create --owner` sets: the same rule holds, so
 * only the operator and admin keys may name an owner; audited as a service update.
 */
function changeServiceOwner(ctx: Context, id: string, ownerAccountId: string): void {
  const action = 'service.update'
  const target = `service:${id}`
  mutate(ctx, action, target, () => {
    const {service} = loadServiceFor(ctx, id, 'settings', action)
    if (ctx.caller.kind === 'token') {
      throw new DeniedError('permission denied: the owner is for the operator and admin keys; a token cannot give a service to an account', {action, target})
    }

    ctx.store.db.prepare('UPDATE services SET owner_account_id = ? WHERE id = ?').run(ownerAccountId, service.id)
  })
}

// Export.

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

