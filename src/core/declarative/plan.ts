import {type AuthMode, type InfraPrivilege, type InfraStage, type ServicePrivilege} from '../deployer.js'
import {accountNameClash, accountNameKey, accountNameProblem, EVERYONE_GROUP, isAccountId, normalizeAccountName} from '../names.js'
import {looksSecret} from '../redact.js'
import {preview} from '../text.js'
import {type AccountSpec, compare, type DesiredState, type DocProblem, type Kind} from './document.js'
import type {DocPath} from './yaml-document.js'

/**
 * The plan (pure: no I/O): the changes that take the store from what it holds to what the document says, and the
 * problems (unknown references, renames, moves) that stop it, each placed at its path in the document.
 */

// The store's state, as the plan compares it.

export interface CurrentGroup {
  admin: boolean
  mayCreateServices: boolean
}

export interface CurrentService {
  public: boolean
  ownerAccountId: string | null
  permissions: Map<string, ServicePrivilege[]>
  /** Oldest first. */
  versions: string[]
}

export interface CurrentInfra {
  stage: InfraStage
  permissions: Map<string, InfraPrivilege[]>
}

export interface CurrentDeployment {
  service: string
  infrastructure: string
  version: string | null
  authMode: AuthMode
  enabled: boolean
}

export interface CurrentState {
  groups: Map<string, CurrentGroup>
  /** By id. */
  accounts: Map<string, {name: string}>
  accountIdByName: Map<string, string>
  /** Explicit members of each group, by account id. */
  members: Map<string, Set<string>>
  services: Map<string, CurrentService>
  infrastructures: Map<string, CurrentInfra>
  deployments: Map<string, CurrentDeployment>
}

/** A store that holds nothing yet, to be filled by whoever reads one. */
export function emptyCurrentState(): CurrentState {
  return {
    groups: new Map(),
    accounts: new Map(),
    accountIdByName: new Map(),
    members: new Map(),
    services: new Map(),
    infrastructures: new Map(),
    deployments: new Map(),
  }
}

// The plan.

export type ChangeKind =
  | 'group'
  | 'account'
  | 'membership'
  | 'service'
  | 'service-version'
  | 'service-permission'
  | 'infrastructure'
  | 'infra-permission'
  | 'deployment'

export interface FieldChange {
  field: string
  from: unknown
  to: unknown
}

/** One change; `values` for a creation, `fields` for a change. Everything needed to carry it out is in it. */
export type Change =
  | {op: 'create'; kind: 'group'; target: string; values: {admin: boolean; mayCreateServices: boolean}}
  | {op: 'change'; kind: 'group'; target: string; fields: FieldChange[]; values: {admin?: boolean; mayCreateServices?: boolean}}
  | {op: 'remove'; kind: 'group'; target: string}
  | {op: 'create'; kind: 'account'; target: string; values: {id?: string; groups: string[]}}
  | {op: 'remove'; kind: 'account'; target: string; id: string}
  | {op: 'create' | 'remove'; kind: 'membership'; target: string; group: string; account: AccountRef}
  | {op: 'create'; kind: 'service'; target: string; values: {public: boolean; owner?: AccountRef}}
  | {op: 'change'; kind: 'service'; target: string; fields: FieldChange[]; values: {public?: boolean; owner?: AccountRef}}
  | {op: 'remove'; kind: 'service'; target: string}
  | {op: 'create' | 'remove'; kind: 'service-version'; target: string; service: string; version: string}
  | {op: 'create' | 'change'; kind: 'service-permission'; target: string; service: string; group: string; privileges: ServicePrivilege[]; fields?: FieldChange[]}
  | {op: 'remove'; kind: 'service-permission'; target: string; service: string; group: string}
  | {op: 'create'; kind: 'infrastructure'; target: string; values: {stage: InfraStage}}
  | {op: 'change'; kind: 'infrastructure'; target: string; fields: FieldChange[]; values: {stage: InfraStage}}
  | {op: 'remove'; kind: 'infrastructure'; target: string}
  | {op: 'create' | 'change'; kind: 'infra-permission'; target: string; infra: string; group: string; privileges: InfraPrivilege[]; fields?: FieldChange[]}
  | {op: 'remove'; kind: 'infra-permission'; target: string; infra: string; group: string}
  | {
      op: 'create'
      kind: 'deployment'
      target: string
      values: {service: string; infrastructure: string; version: string; auth: AuthMode; enabled: boolean}
    }
  | {op: 'change'; kind: 'deployment'; target: string; fields: FieldChange[]; values: {version?: string; auth?: AuthMode; enabled?: boolean}}
  | {op: 'remove'; kind: 'deployment'; target: string}

/** An account as the document names it: one in the store (by id), or one the plan creates (by name). */
export type AccountRef = {id: string; name: string} | {id?: undefined; name: string}

export interface PlanOptions {
  prune: boolean
  /** What --prune may remove: the objects the caller may see (all of them for the operator and admin keys). */
  prunable?: {
    groups: ReadonlySet<string>
    accounts: ReadonlySet<string>
    services: ReadonlySet<string>
    infrastructures: ReadonlySet<string>
    deployments: ReadonlySet<string>
  }
}

/** A change and, for its messages, the place in the document it comes from (none for a pruned object). */
export interface PlannedChange {
  change: Change
  path?: DocPath
}

/**
 * The changes that take `current` to `desired`, in an order that can be carried out one by one: creations and
 * changes in the order of KINDS, then removals in the reverse order. References (members, owners, a deployment's
 * service, infrastructure and version) must name something in the document or in the store; each unknown one is a
 * problem placed at the reference.
 */
export function computePlan(desired: DesiredState, current: CurrentState, options: PlanOptions): {changes: PlannedChange[]; problems: DocProblem[]} {
  const plan = new Planning(desired, current)
  planGroups(plan)
  const wanted = wantedMemberships(plan)
  const newAccountGroups = planAccounts(plan)
  planWantedMemberships(plan, wanted, newAccountGroups)
  planUnwantedMemberships(plan, wanted)
  planServices(plan)
  planInfrastructures(plan)
  planDeployments(plan)
  if (options.prune) planPrune(plan, options.prunable)
  return {changes: [...plan.creates, ...orderRemovals(plan.removals)], problems: plan.problems}
}

/** What the steps of a plan share: both states, the changes and problems so far, and how references resolve. */
class Planning {
  readonly problems: DocProblem[] = []
  readonly creates: PlannedChange[] = []
  readonly removals: PlannedChange[] = []
  readonly desiredGroupNames: Set<string>
  // Accounts of the document: matched by id when the document gives one, else by name.
  private readonly byName = new Map<string, AccountSpec>()
  private readonly byId = new Map<string, AccountSpec>()

  constructor(
    readonly desired: DesiredState,
    readonly current: CurrentState,
  ) {
    this.desiredGroupNames = new Set(desired.groups.map((g) => g.name))
    for (const account of desired.accounts) {
      this.byName.set(account.name, account)
      if (account.id) this.byId.set(account.id, account)
    }
  }

  add(change: Change, path?: DocPath): void {
    this.creates.push({change, path})
  }

  remove(change: Change, path?: DocPath): void {
    this.removals.push({change, path})
  }

  problem(path: DocPath, message: string): void {
    this.problems.push({path, message})
  }

  knownGroup(name: string): boolean {
    return this.desiredGroupNames.has(name) || this.current.groups.has(name)
  }

  /** A name in the document finds the stored account of that name, or of its NFC form (the form names are stored in). */
  storedIdOf(name: string): string | undefined {
    return this.current.accountIdByName.get(name) ?? this.current.accountIdByName.get(normalizeAccountName(name))
  }

  /** The account a reference (an id or a name) names, in the store or in the document; else a problem at `path`. */
  resolveAccount(reference: string, path: DocPath): AccountRef | undefined {
    const {accounts} = this.current
    if (isAccountId(reference) && accounts.has(reference)) return {id: reference, name: accounts.get(reference)!.name}
    const stored = this.storedIdOf(reference)
    if (stored !== undefined) return {id: stored, name: accounts.get(stored)?.name ?? reference}
    const planned = this.byName.get(reference) ?? this.byId.get(reference)
    if (planned) return planned.id && accounts.has(planned.id) ? {id: planned.id, name: planned.name} : {name: planned.name}
    this.problem(path, `no account with id or name '${preview(reference)}' in the document or the store`)
    return undefined
  }
}

const accountKey = (ref: AccountRef) => ref.id ?? `name:${ref.name}`

function planGroups(plan: Planning): void {
  for (const group of plan.desired.groups) {
    const stored = plan.current.groups.get(group.name)
    if (!stored) {
      if (looksSecret(group.name)) {
        plan.problem([...group.path, 'name'], 'a group name cannot be a key or a token: it would be stored and listed in clear')
        continue
      }

      plan.add({op: 'create', kind: 'group', target: group.name, values: {admin: group.admin ?? false, mayCreateServices: group.mayCreateServices ?? false}}, group.path)
      continue
    }

    const fields: FieldChange[] = []
    const values: {admin?: boolean; mayCreateServices?: boolean} = {}
    if (group.admin !== undefined && group.admin !== stored.admin) {
      fields.push({field: 'admin', from: stored.admin, to: group.admin})
      values.admin = group.admin
    }

    if (group.mayCreateServices !== undefined && group.mayCreateServices !== stored.mayCreateServices) {
      fields.push({field: 'mayCreateServices', from: stored.mayCreateServices, to: group.mayCreateServices})
      values.mayCreateServices = group.mayCreateServices
    }

    if (fields.length > 0) plan.add({op: 'change', kind: 'group', target: group.name, fields, values}, group.path)
  }
}

/** Group name to the accounts the document puts in it (by accountKey), each with the path that asks for it. */
type WantedMemberships = Map<string, Map<string, {ref: AccountRef; path: DocPath}>>

/**
 * The memberships the document declares: a membership is wanted when either side names it (a group's members, an
 * account's groups), and removed when a side that lists it completely leaves it out (planUnwantedMemberships).
 */
function wantedMemberships(plan: Planning): WantedMemberships {
  const wanted: WantedMemberships = new Map()
  const want = (group: string, ref: AccountRef, path: DocPath) => {
    let members = wanted.get(group)
    if (!members) wanted.set(group, (members = new Map()))
    if (!members.has(accountKey(ref))) members.set(accountKey(ref), {ref, path})
  }

  for (const group of plan.desired.groups) {
    for (const [index, member] of (group.members ?? []).entries()) {
      const ref = plan.resolveAccount(member, [...group.path, 'members', index])
      if (ref) want(group.name, ref, [...group.path, 'members', index])
    }
  }

  for (const account of plan.desired.accounts) {
    for (const [index, group] of (account.groups ?? []).entries()) {
      const path = [...account.path, 'groups', index]
      if (!plan.knownGroup(group)) plan.problem(path, `no group named '${preview(group)}' in the document or the store`)
      else want(group, plan.resolveAccount(account.id ?? account.name, account.path) ?? {name: account.name}, path)
    }
  }

  return wanted
}

/**
 * Creates the accounts the store does not hold; returns, by name, the list each new account's groups go in (filled
 * by planWantedMemberships: a new account is created in its groups rather than joined to them afterwards).
 */
function planAccounts(plan: Planning): Map<string, string[]> {
  const {current} = plan
  const newAccountGroups = new Map<string, string[]>()
  // New names must not look like stored ones, nor like each other: the key of every name, stored or planned.
  const nameByKey = new Map<string, string>()
  for (const {name} of current.accounts.values()) if (!nameByKey.has(accountNameKey(name))) nameByKey.set(accountNameKey(name), name)
  for (const account of plan.desired.accounts) {
    const storedId = account.id ?? plan.storedIdOf(account.name)
    const stored = storedId === undefined ? undefined : current.accounts.get(storedId)
    if (stored) {
      if (stored.name !== account.name && stored.name !== normalizeAccountName(account.name)) {
        plan.problem([...account.path, 'name'], `account ${storedId} is named '${preview(stored.name)}' in the store; an account cannot be renamed`)
      }

      continue
    }

    if (account.id !== undefined && plan.storedIdOf(account.name) !== undefined) {
      plan.problem([...account.path, 'id'], `an account named '${preview(account.name)}' exists with another id (${plan.storedIdOf(account.name)})`)
      continue
    }

    // The rule of every new name (src/core/names.ts), and no collision with a stored or an earlier new name.
    const problem = accountNameProblem(account.name)
    if (problem !== undefined) {
      plan.problem([...account.path, 'name'], problem)
      continue
    }

    const key = accountNameKey(account.name)
    const clash = nameByKey.get(key)
    if (clash !== undefined) {
      plan.problem([...account.path, 'name'], accountNameClash(normalizeAccountName(account.name), clash))
      continue
    }

    nameByKey.set(key, normalizeAccountName(account.name))
    newAccountGroups.set(account.name, [])
    plan.add({op: 'create', kind: 'account', target: account.name, values: {id: account.id, groups: newAccountGroups.get(account.name)!}}, account.path)
  }

  return newAccountGroups
}

function planWantedMemberships(plan: Planning, wanted: WantedMemberships, newAccountGroups: Map<string, string[]>): void {
  for (const [group, members] of wanted) {
    const have = plan.current.members.get(group)
    for (const {ref, path} of members.values()) {
      if (ref.id === undefined && newAccountGroups.has(ref.name)) {
        if (group !== EVERYONE_GROUP) newAccountGroups.get(ref.name)!.push(group)
        continue
      }

      if (ref.id !== undefined && have?.has(ref.id)) continue
      plan.add({op: 'create', kind: 'membership', target: `${group}/${ref.name}`, group, account: ref}, path)
    }
  }
}

/** Memberships to remove: those of a listing side (a group's members, an account's groups) that are not wanted. */
function planUnwantedMemberships(plan: Planning, wanted: WantedMemberships): void {
  const {desired, current} = plan
  const completeGroups = new Set(desired.groups.filter((g) => g.members !== undefined).map((g) => g.name))
  const completeAccounts = new Set<string>()
  for (const account of desired.accounts) {
    if (account.groups === undefined) continue
    const id = account.id ?? current.accountIdByName.get(account.name)
    if (id !== undefined && current.accounts.has(id)) completeAccounts.add(id)
  }

  for (const [group, members] of current.members) {
    for (const id of members) {
      if (!completeGroups.has(group) && !completeAccounts.has(id)) continue
      if (wanted.get(group)?.has(id)) continue
      const name = current.accounts.get(id)?.name ?? id
      plan.remove({op: 'remove', kind: 'membership', target: `${group}/${name}`, group, account: {id, name}})
    }
  }
}

/** Services, their versions and permissions. */
function planServices(plan: Planning): void {
  const {current} = plan
  for (const service of plan.desired.services) {
    const stored = current.services.get(service.id)
    const owner = service.owner === undefined ? undefined : plan.resolveAccount(service.owner, [...service.path, 'owner'])
    for (const [group] of service.permissions ?? []) {
      if (!plan.knownGroup(group)) plan.problem([...service.path, 'permissions', group], `no group named '${preview(group)}' in the document or the store`)
    }

    if (!stored) {
      plan.add({op: 'create', kind: 'service', target: service.id, values: {public: service.public ?? true, owner}}, service.path)
    } else {
      const fields: FieldChange[] = []
      const values: {public?: boolean; owner?: AccountRef} = {}
      if (service.public !== undefined && service.public !== stored.public) {
        fields.push({field: 'public', from: stored.public, to: service.public})
        values.public = service.public
      }

      if (owner && owner.id !== stored.ownerAccountId) {
        const from = stored.ownerAccountId === null ? null : (current.accounts.get(stored.ownerAccountId)?.name ?? stored.ownerAccountId)
        fields.push({field: 'owner', from, to: owner.name})
        values.owner = owner
      }

      if (fields.length > 0) plan.add({op: 'change', kind: 'service', target: service.id, fields, values}, service.path)
    }

    const versions = stored?.versions ?? []
    for (const [index, version] of (service.versions ?? []).entries()) {
      if (!versions.includes(version)) {
        if (looksSecret(version)) {
          plan.problem([...service.path, 'versions', index], 'a version cannot be a key or a token: it would be stored and listed in clear')
          continue
        }

        plan.add({op: 'create', kind: 'service-version', target: `${service.id}/${version}`, service: service.id, version}, [...service.path, 'versions', index])
      }
    }

    if (service.versions !== undefined) {
      for (const version of versions) {
        if (!service.versions.includes(version)) plan.remove({op: 'remove', kind: 'service-version', target: `${service.id}/${version}`, service: service.id, version}, service.path)
      }
    }

    planPermissions(service.permissions, stored?.permissions, (group, privileges, from) => {
      const target = `${service.id}/${group}`
      const path = [...service.path, 'permissions', group]
      if (from === undefined) plan.add({op: 'create', kind: 'service-permission', target, service: service.id, group, privileges}, path)
      else plan.add({op: 'change', kind: 'service-permission', target, service: service.id, group, privileges, fields: [{field: 'privileges', from, to: privileges}]}, path)
    }, (group) => plan.remove({op: 'remove', kind: 'service-permission', target: `${service.id}/${group}`, service: service.id, group}, service.path))
  }
}

/** Infrastructures and their permissions. */
function planInfrastructures(plan: Planning): void {
  for (const infra of plan.desired.infrastructures) {
    const stored = plan.current.infrastructures.get(infra.id)
    for (const [group] of infra.permissions ?? []) {
      if (!plan.knownGroup(group)) plan.problem([...infra.path, 'permissions', group], `no group named '${preview(group)}' in the document or the store`)
    }

    if (!stored) plan.add({op: 'create', kind: 'infrastructure', target: infra.id, values: {stage: infra.stage}}, infra.path)
    else if (stored.stage !== infra.stage) {
      plan.add({op: 'change', kind: 'infrastructure', target: infra.id, fields: [{field: 'stage', from: stored.stage, to: infra.stage}], values: {stage: infra.stage}}, infra.path)
    }

    planPermissions(infra.permissions, stored?.permissions, (group, privileges, from) => {
      const target = `${infra.id}/${group}`
      const path = [...infra.path, 'permissions', group]
      if (from === undefined) plan.add({op: 'create', kind: 'infra-permission', target, infra: infra.id, group, privileges}, path)
      else plan.add({op: 'change', kind: 'infra-permission', target, infra: infra.id, group, privileges, fields: [{field: 'privileges', from, to: privileges}]}, path)
    }, (group) => plan.remove({op: 'remove', kind: 'infra-permission', target: `${infra.id}/${group}`, infra: infra.id, group}, infra.path))
  }
}

function planDeployments(plan: Planning): void {
  const {desired, current} = plan
  const desiredServices = new Map(desired.services.map((s) => [s.id, s]))
  const desiredInfras = new Set(desired.infrastructures.map((i) => i.id))
  for (const deployment of desired.deployments) {
    const service = desiredServices.get(deployment.service)
    const storedService = current.services.get(deployment.service)
    if (!service && !storedService) {
      plan.problem([...deployment.path, 'service'], `no service with id '${preview(deployment.service)}' in the document or the store`)
    } else {
      const versions = service?.versions ?? [...(storedService?.versions ?? []), ...(service?.versions ?? [])]
      if (!versions.includes(deployment.version)) {
        plan.problem([...deployment.path, 'version'], `service '${deployment.service}' has no version '${preview(deployment.version)}' in the document or the store`)
      }
    }

    if (!desiredInfras.has(deployment.infrastructure) && !current.infrastructures.has(deployment.infrastructure)) {
      plan.problem([...deployment.path, 'infrastructure'], `no infrastructure with id '${preview(deployment.infrastructure)}' in the document or the store`)
    }

    const stored = current.deployments.get(deployment.id)
    if (!stored) {
      plan.add({
        op: 'create',
        kind: 'deployment',
        target: deployment.id,
        values: {service: deployment.service, infrastructure: deployment.infrastructure, version: deployment.version, auth: deployment.auth ?? 'inherit', enabled: deployment.enabled ?? true},
      }, deployment.path)
      continue
    }

    if (stored.service !== deployment.service || stored.infrastructure !== deployment.infrastructure) {
      plan.problem(deployment.path, `deployment '${deployment.id}' runs service '${stored.service}' on '${stored.infrastructure}' in the store; a deployment cannot move: give it another id`)
      continue
    }

    const fields: FieldChange[] = []
    const values: {version?: string; auth?: AuthMode; enabled?: boolean} = {}
    if (stored.version !== deployment.version) {
      fields.push({field: 'version', from: stored.version, to: deployment.version})
      values.version = deployment.version
    }

    if (deployment.auth !== undefined && deployment.auth !== stored.authMode) {
      fields.push({field: 'auth', from: stored.authMode, to: deployment.auth})
      values.auth = deployment.auth
    }

    if (deployment.enabled !== undefined && deployment.enabled !== stored.enabled) {
      fields.push({field: 'enabled', from: stored.enabled, to: deployment.enabled})
      values.enabled = deployment.enabled
    }

    if (fields.length > 0) plan.add({op: 'change', kind: 'deployment', target: deployment.id, fields, values}, deployment.path)
  }
}

/** --prune: objects of the kinds the document names that it does not hold (ordered by orderRemovals). */
function planPrune(plan: Planning, prunable: PlanOptions['prunable']): void {
  const {desired, current} = plan
  const may = (kind: Kind, id: string) => !prunable || prunable[kind].has(id)
  if (desired.kinds.has('deployments')) {
    const keep = new Set(desired.deployments.map((d) => d.id))
    for (const id of [...current.deployments.keys()].sort()) if (!keep.has(id) && may('deployments', id)) plan.remove({op: 'remove', kind: 'deployment', target: id})
  }

  if (desired.kinds.has('services')) {
    const keep = new Set(desired.services.map((s) => s.id))
    for (const id of [...current.services.keys()].sort()) if (!keep.has(id) && may('services', id)) plan.remove({op: 'remove', kind: 'service', target: id})
  }

  if (desired.kinds.has('infrastructures')) {
    const keep = new Set(desired.infrastructures.map((i) => i.id))
    for (const id of [...current.infrastructures.keys()].sort()) if (!keep.has(id) && may('infrastructures', id)) plan.remove({op: 'remove', kind: 'infrastructure', target: id})
  }

  if (desired.kinds.has('accounts')) {
    const keepIds = new Set(desired.accounts.flatMap((a) => (a.id ? [a.id] : [])))
    const keepNames = new Set(desired.accounts.map((a) => a.name))
    const stale = [...current.accounts].filter(([id, {name}]) => !keepIds.has(id) && !keepNames.has(name) && may('accounts', id))
    for (const [id, {name}] of stale.sort((a, b) => compare(a[1].name, b[1].name))) plan.remove({op: 'remove', kind: 'account', target: name, id})
  }

  if (desired.kinds.has('groups')) {
    for (const name of [...current.groups.keys()].sort()) {
      if (name !== EVERYONE_GROUP && !plan.desiredGroupNames.has(name) && may('groups', name)) plan.remove({op: 'remove', kind: 'group', target: name})
    }
  }
}

/** Removals that make later ones possible come first: deployments before the services and versions they use. */
function orderRemovals(removals: PlannedChange[]): PlannedChange[] {
  const order: ChangeKind[] = ['deployment', 'service-permission', 'infra-permission', 'service-version', 'service', 'infrastructure', 'membership', 'account', 'group']
  return removals.sort((a, b) => order.indexOf(a.change.kind) - order.indexOf(b.change.kind))
}

function planPermissions<P extends string>(
  desired: Map<string, P[]> | undefined,
  stored: Map<string, P[]> | undefined,
  set: (group: string, privileges: P[], from: P[] | undefined) => void,
  remove: (group: string) => void,
): void {
  if (desired === undefined) return
  for (const [group, privileges] of desired) {
    const from = stored?.get(group)
    if (from === undefined || from.join() !== privileges.join()) set(group, privileges, from)
  }

  for (const group of [...(stored?.keys() ?? [])].sort()) if (!desired.has(group)) remove(group)
}
