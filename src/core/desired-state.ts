import {dump as dumpYaml, FAILSAFE_SCHEMA, loadAll as loadAllYaml, YAMLException} from 'js-yaml'
import {isNode, isPair, LineCounter, parseAllDocuments} from 'yaml'

import {UsageError} from '../errors.js'
import {AUTH_MODES, type AuthMode, INFRA_PRIVILEGES, INFRA_STAGES, type InfraPrivilege, type InfraStage, SERVICE_PRIVILEGES, type ServicePrivilege} from './deployer.js'
import {accountNameClash, accountNameKey, accountNameProblem, EVERYONE_GROUP, isAccountId, MAX_ACCOUNT_NAME_LENGTH, normalizeAccountName} from './names.js'
import {looksSecret} from './redact.js'
import {preview} from './text.js'
import {type SafeYamlText, yamlText} from './yaml-text.js'

/**
 * The declarative document of `apply`, `diff` and `export` (pure: no I/O): its parser with strict key and type
 * checks, and the plan, the changes that take the store from what it holds to what the document says.
 *
 * Reading: js-yaml with the failsafe schema (every scalar a string, so ids of digits and names like dates stay as
 * written), anchors and aliases refused (nothing can expand), nesting capped. Lines are known for syntax errors at
 * once; for everything else (a wrong key, an unknown reference) the text is parsed again with `yaml`, which keeps
 * every node's position, only when there is an error to place: valid documents of 20,000 objects read in a tenth
 * of the time that way.
 */

export const API_VERSION = 'accessctl/v1'

/** The kinds in the order they are created (and the reverse of the order they are removed). */
export const KINDS = ['groups', 'accounts', 'services', 'infrastructures', 'deployments'] as const
export type Kind = (typeof KINDS)[number]

/** The keys each part of the document may hold; the JSON Schema in schema/ is checked against these by a test. */
export const DOCUMENT_KEYS = ['apiVersion', ...KINDS] as const
export const OBJECT_KEYS = {
  groups: ['name', 'admin', 'mayCreateServices', 'members'],
  accounts: ['name', 'id', 'groups'],
  services: ['id', 'public', 'owner', 'permissions', 'versions'],
  infrastructures: ['id', 'stage', 'permissions'],
  deployments: ['id', 'service', 'infrastructure', 'version', 'auth', 'enabled'],
} as const satisfies Record<Kind, readonly string[]>
/** Keys an object of each kind must have. */
export const REQUIRED_KEYS = {
  groups: ['name'],
  accounts: ['name'],
  services: ['id'],
  infrastructures: ['id', 'stage'],
  deployments: ['service', 'infrastructure', 'version'],
} as const satisfies Record<Kind, readonly string[]>

/** Deeper than any valid document (5 levels); a `[[[[...` bomb stops here instead of exhausting the stack. */
export const MAX_DEPTH = 16

/** Where a value sits in the document: the document's index in the stream, then keys and list indexes. */
export type DocPath = ReadonlyArray<string | number>

export interface GroupSpec {
  name: string
  admin?: boolean
  mayCreateServices?: boolean
  /** Account names or ids; when given, the group's complete explicit membership (with accounts naming it). */
  members?: string[]
  path: DocPath
}

export interface AccountSpec {
  name: string
  id?: string
  /** When given, the account's complete membership (with groups naming it as a member). */
  groups?: string[]
  path: DocPath
}

export interface ServiceSpec {
  id: string
  public?: boolean
  /** An account name or id. */
  owner?: string
  /** When given, every permission row of the service. */
  permissions?: Map<string, ServicePrivilege[]>
  /** When given, every version of the service. */
  versions?: string[]
  path: DocPath
}

export interface InfraSpec {
  id: string
  stage: InfraStage
  permissions?: Map<string, InfraPrivilege[]>
  path: DocPath
}

export interface DeploymentSpec {
  id: string
  service: string
  infrastructure: string
  version: string
  auth?: AuthMode
  enabled?: boolean
  path: DocPath
}

export interface DesiredState {
  /** The kinds the document names (a key present, even with an empty list): the only ones --prune touches. */
  kinds: Set<Kind>
  groups: GroupSpec[]
  accounts: AccountSpec[]
  services: ServiceSpec[]
  infrastructures: InfraSpec[]
  deployments: DeploymentSpec[]
}

/** A problem in the document, placed by path; `describe` turns it into "line N: ...". */
export interface DocProblem {
  path: DocPath
  message: string
}

export class DocumentError extends UsageError {}

/** The parsed document and the way back from a path to a line of its text. */
export interface ParsedDocument {
  state: DesiredState
  /** `line N of SOURCE: message` for a problem at `path` (the line is found by parsing the text again). */
  locate: (problem: DocProblem) => string
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

class AnchorRefused extends Error {
  constructor(readonly line: number) {
    super('anchor')
  }
}

class TooDeep extends Error {
  constructor(readonly line: number) {
    super('too deep')
  }
}

/**
 * Parses a whole document (one or more YAML documents, or JSON). Every problem is a UsageError (exit 2) naming the
 * line: syntax, anchors and aliases, nesting, unknown keys, wrong types, duplicate names.
 */
export function parseDesiredState(text: string, source: string): ParsedDocument {
  const locate = locator(text, source)
  const documents: unknown[] = []
  let depth = 0
  try {
    loadAllYaml(text, (document) => documents.push(document), {
      schema: FAILSAFE_SCHEMA,
      filename: source,
      listener(event, state) {
        const {anchor, line} = state as unknown as {anchor: string | null; line: number}
        if (event === 'open' && ++depth > MAX_DEPTH) throw new TooDeep(line + 1)
        if (event === 'close') {
          depth--
          if (anchor !== null) throw new AnchorRefused(line + 1)
        }
      },
    })
  } catch (error) {
    if (error instanceof AnchorRefused) throw new DocumentError(`line ${error.line} of ${source}: anchors and aliases (&name, *name) are not accepted: write each object out`)
    if (error instanceof TooDeep) throw new DocumentError(`line ${error.line} of ${source}: nested deeper than ${MAX_DEPTH} levels; a document has at most 5`)
    if (error instanceof YAMLException) {
      const where = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : ''
      throw new DocumentError(`${source} is not valid YAML${where}: ${preview(error.reason ?? error.message, 200)}`)
    }

    if (error instanceof RangeError) throw new DocumentError(`${source} is nested too deeply to read`)
    throw error
  }

  const problems: DocProblem[] = []
  const state = readState(documents, problems)
  if (problems.length === 0 && documents.every((document) => document === null || document === undefined)) throw new DocumentError(`${source} is empty; expected a document with apiVersion: ${API_VERSION}`)
  if (problems.length > 0) throw new DocumentError(problems.slice(0, 20).map(locate).join('\n'))
  return {state, locate}
}

/** Finds the line of a path with `yaml`, which keeps positions; parsed once, on the first problem to place. */
function locator(text: string, source: string): (problem: DocProblem) => string {
  let lineOf: ((path: DocPath) => number | undefined) | undefined
  return (problem) => {
    lineOf ??= positions(text)
    const line = lineOf(problem.path)
    return line === undefined ? `${source}: ${problem.message}` : `line ${line} of ${source}: ${problem.message}`
  }
}

function positions(text: string): (path: DocPath) => number | undefined {
  const lineCounter = new LineCounter()
  const parsed = parseAllDocuments(text, {lineCounter, schema: 'failsafe', logLevel: 'silent', uniqueKeys: true})
  const docs = Array.isArray(parsed) ? parsed : []
  return (path) => {
    const doc = docs[path[0] as number]
    if (!doc) return undefined
    // The deepest node of the path that exists: a missing key is reported at the object that lacks it.
    for (let length = path.length; length >= 1; length--) {
      const node = doc.getIn(path.slice(1, length), true) as unknown
      if (node === undefined) continue
      const target = isPair(node) ? node.key : node
      if (isNode(target) && target.range) return lineCounter.linePos(target.range[0]).line
      if (length === 1 && doc.contents?.range) return lineCounter.linePos(doc.contents.range[0]).line
    }

    return undefined
  }
}

// Reading values, with problems collected by path.

class Reader {
  constructor(private readonly problems: DocProblem[]) {}

  problem(path: DocPath, message: string): undefined {
    this.problems.push({path, message})
    return undefined
  }

  string(value: unknown, path: DocPath, what: string): string | undefined {
    if (typeof value !== 'string') return this.problem(path, `${what} must be a string`)
    return value
  }

  boolean(value: unknown, path: DocPath, what: string): boolean | undefined {
    if (value === 'true') return true
    if (value === 'false') return false
    return this.problem(path, `${what} must be true or false`)
  }

  /** `what` may be a function: it is only needed for a message, and naming the list can cost more than reading it. */
  strings(value: unknown, path: DocPath, named: string | (() => string)): string[] | undefined {
    const what = typeof named === 'string' ? named : undefined
    const name = () => what ?? (named as () => string)()
    if (value === null) return []
    if (!Array.isArray(value)) return this.problem(path, `${name()} must be a list`)
    // Lists are short (a few groups or versions): a scan finds a repeat with less garbage than a Set per list.
    let clean = true
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index]
      if (typeof item !== 'string') clean = Boolean(this.problem([...path, index], `${name()} must be a list of strings`))
      else if (value.indexOf(item) !== index) clean = Boolean(this.problem([...path, index], `'${preview(item)}' appears twice in ${name()}`))
    }

    // A list with a problem fails the whole document; what is returned then only has to be well-typed.
    return clean ? (value as string[]) : value.filter((item): item is string => typeof item === 'string')
  }


  oneOf<T extends string>(value: unknown, path: DocPath, what: string, options: readonly T[]): T | undefined {
    if (typeof value === 'string' && (options as readonly string[]).includes(value)) return value as T
    return this.problem(path, `${what} must be one of ${options.join(', ')}`)
  }

  keys(value: Record<string, unknown>, path: DocPath, known: readonly string[], required: readonly string[], what: string): boolean {
    let ok = true
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.problem([...path, key], `unknown key '${preview(key)}' in ${what}; known keys: ${known.join(', ')}`)
        ok = false
      }
    }

    for (const key of required) {
      if (value[key] === undefined || value[key] === null) {
        this.problem(path, `${what} needs '${key}'`)
        ok = false
      }
    }

    return ok
  }

  permissions<P extends string>(value: unknown, path: DocPath, privileges: readonly P[]): Map<string, P[]> | undefined {
    if (value === null) return new Map()
    if (!isMap(value)) return this.problem(path, "'permissions' must be a mapping of group name to a list of privileges")
    const result = new Map<string, P[]>()
    for (const [group, granted] of Object.entries(value)) {
      const list = this.strings(granted, [...path, group], () => `the privileges of '${preview(group)}'`)
      if (!list) continue
      const unknown = list.find((p) => !(privileges as readonly string[]).includes(p))
      if (unknown !== undefined) {
        this.problem([...path, group], `unknown privilege '${preview(unknown)}'; use ${privileges.join(', ')}`)
        continue
      }

      result.set(group, privileges.filter((p) => list.includes(p)))
    }

    return result
  }
}

const OBJECT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/
const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/

function readState(documents: unknown[], problems: DocProblem[]): DesiredState {
  const read = new Reader(problems)
  const state: DesiredState = {kinds: new Set(), groups: [], accounts: [], services: [], infrastructures: [], deployments: []}
  for (const [index, document] of documents.entries()) {
    const at: DocPath = [index]
    if (document === null || document === undefined) continue
    if (!isMap(document)) {
      read.problem(at, `a document must be a mapping with apiVersion: ${API_VERSION} and lists of ${KINDS.join(', ')}`)
      continue
    }

    read.keys(document, at, DOCUMENT_KEYS, ['apiVersion'], 'a document')
    if (document.apiVersion !== undefined && document.apiVersion !== API_VERSION) {
      read.problem([index, 'apiVersion'], `apiVersion must be ${API_VERSION}`)
    }

    for (const kind of KINDS) {
      const list = document[kind]
      if (list === undefined) continue
      state.kinds.add(kind)
      if (list === null) continue
      if (!Array.isArray(list)) {
        read.problem([index, kind], `'${kind}' must be a list`)
        continue
      }

      for (const [position, item] of list.entries()) {
        const path: DocPath = [index, kind, position]
        const what = `an entry of '${kind}'`
        if (!isMap(item)) {
          read.problem(path, `${what} must be a mapping`)
          continue
        }

        if (!read.keys(item, path, OBJECT_KEYS[kind], REQUIRED_KEYS[kind], what)) continue
        readObject(read, state, kind, item, path)
      }
    }
  }

  refuseDuplicates(read, state)
  return state
}

function readObject(read: Reader, state: DesiredState, kind: Kind, item: Record<string, unknown>, path: DocPath): void {
  const field = (key: string) => [...path, key]
  const given = (key: string) => item[key] !== undefined && item[key] !== null
  switch (kind) {
    case 'groups': {
      const name = read.string(item.name, field('name'), "'name'")
      if (name !== undefined && !GROUP_NAME.test(name)) {
        read.problem(field('name'), `'${preview(name)}' is not a valid group name: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit`)
      }

      const group: GroupSpec = {name: name ?? '', path}
      if (given('admin')) group.admin = read.boolean(item.admin, field('admin'), "'admin'")
      if (given('mayCreateServices')) group.mayCreateServices = read.boolean(item.mayCreateServices, field('mayCreateServices'), "'mayCreateServices'")
      if (item.members !== undefined) {
        group.members = read.strings(item.members, field('members'), "'members'")
        if (name === EVERYONE_GROUP && group.members && group.members.length > 0) {
          read.problem(field('members'), `'${EVERYONE_GROUP}' holds every account implicitly; it takes no members`)
        }
      }

      state.groups.push(group)
      return
    }

    case 'accounts': {
      const name = read.string(item.name, field('name'), "'name'")
      if (name === '') read.problem(field('name'), 'an account name cannot be empty')
      if (name !== undefined && name.length > MAX_ACCOUNT_NAME_LENGTH && [...name].length > MAX_ACCOUNT_NAME_LENGTH) {
        read.problem(field('name'), `an account name has at most ${MAX_ACCOUNT_NAME_LENGTH} characters`)
      }

      const account: AccountSpec = {name: name ?? '', path}
      if (given('id')) {
        const id = read.string(item.id, field('id'), "'id'")
        if (id !== undefined && !isAccountId(id)) read.problem(field('id'), `'${preview(id)}' is not an account id: 32 lowercase hexadecimal characters`)
        account.id = id
      }

      if (item.groups !== undefined) {
        account.groups = read.strings(item.groups, field('groups'), "'groups'")
        const index = account.groups?.indexOf(EVERYONE_GROUP) ?? -1
        if (index !== -1) read.problem([...path, 'groups', index], `every account is in '${EVERYONE_GROUP}' already; it takes no explicit members`)
      }

      state.accounts.push(account)
      return
    }

    case 'services': {
      const service: ServiceSpec = {id: objectId(read, item.id, field('id'), 'service'), path}
      if (given('public')) service.public = read.boolean(item.public, field('public'), "'public'")
      if (given('owner')) service.owner = read.string(item.owner, field('owner'), "'owner'")
      if (item.permissions !== undefined) service.permissions = read.permissions(item.permissions, field('permissions'), SERVICE_PRIVILEGES)
      if (item.versions !== undefined) {
        service.versions = read.strings(item.versions, field('versions'), "'versions'")
        for (const [index, version] of (service.versions ?? []).entries()) {
          if (!VERSION.test(version)) read.problem([...path, 'versions', index], `'${preview(version)}' is not a valid version: use 1-64 of A-Z a-z 0-9 . _ + -, starting with a letter or digit`)
        }
      }

      state.services.push(service)
      return
    }

    case 'infrastructures': {
      const infra: InfraSpec = {
        id: objectId(read, item.id, field('id'), 'infrastructure'),
        stage: read.oneOf(item.stage, field('stage'), "'stage'", INFRA_STAGES) ?? 'Development',
        path,
      }
      if (item.permissions !== undefined) infra.permissions = read.permissions(item.permissions, field('permissions'), INFRA_PRIVILEGES)
      state.infrastructures.push(infra)
      return
    }

    case 'deployments': {
      const service = objectId(read, item.service, field('service'), 'service')
      const infrastructure = objectId(read, item.infrastructure, field('infrastructure'), 'infrastructure')
      const version = read.string(item.version, field('version'), "'version'") ?? ''
      if (version !== '' && !VERSION.test(version)) read.problem(field('version'), `'${preview(version)}' is not a valid version`)
      const deployment: DeploymentSpec = {
        id: given('id') ? objectId(read, item.id, field('id'), 'deployment') : `${service}-on-${infrastructure}`,
        service,
        infrastructure,
        version,
        path,
      }
      if (given('auth')) deployment.auth = read.oneOf(item.auth, field('auth'), "'auth'", AUTH_MODES)
      if (given('enabled')) deployment.enabled = read.boolean(item.enabled, field('enabled'), "'enabled'")
      state.deployments.push(deployment)
    }
  }
}

function objectId(read: Reader, value: unknown, path: DocPath, kind: string): string {
  const id = read.string(value, path, `the ${kind} id`)
  if (id === undefined) return ''
  if (!OBJECT_ID.test(id)) {
    read.problem(path, `'${preview(id)}' is not a valid ${kind} id: use 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit`)
  }

  return id
}

function refuseDuplicates(read: Reader, state: DesiredState): void {
  const check = <T extends {path: DocPath}>(items: T[], key: (item: T) => string | undefined, field: string, what: string) => {
    const first = new Map<string, T>()
    for (const item of items) {
      const value = key(item)
      if (value === undefined || value === '') continue
      if (first.has(value)) read.problem([...item.path, field], `${what} '${preview(value)}' appears twice in the document`)
      else first.set(value, item)
    }
  }

  check(state.groups, (g) => g.name, 'name', 'group')
  check(state.accounts, (a) => a.name, 'name', 'account')
  check(state.accounts, (a) => a.id, 'id', 'account id')
  check(state.services, (s) => s.id, 'id', 'service')
  check(state.infrastructures, (i) => i.id, 'id', 'infrastructure')
  check(state.deployments, (d) => d.id, 'id', 'deployment')
}

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
  const problems: DocProblem[] = []
  const creates: PlannedChange[] = []
  const removals: PlannedChange[] = []
  const add = (change: Change, path?: DocPath) => creates.push({change, path})
  const remove = (change: Change, path?: DocPath) => removals.push({change, path})

  const desiredGroupNames = new Set(desired.groups.map((g) => g.name))
  const knownGroup = (name: string) => desiredGroupNames.has(name) || current.groups.has(name)

  // Accounts: matched by id when the document gives one, else by name.
  const byName = new Map<string, AccountSpec>()
  const byId = new Map<string, AccountSpec>()
  for (const account of desired.accounts) {
    byName.set(account.name, account)
    if (account.id) byId.set(account.id, account)
  }

  // A name in the document finds the stored account of that name, or of its NFC form (the form names are stored in).
  const storedIdOf = (name: string) => current.accountIdByName.get(name) ?? current.accountIdByName.get(normalizeAccountName(name))
  const resolveAccount = (reference: string, path: DocPath): AccountRef | undefined => {
    if (isAccountId(reference) && current.accounts.has(reference)) return {id: reference, name: current.accounts.get(reference)!.name}
    const stored = storedIdOf(reference)
    if (stored !== undefined) return {id: stored, name: current.accounts.get(stored)?.name ?? reference}
    const planned = byName.get(reference) ?? byId.get(reference)
    if (planned) return planned.id && current.accounts.has(planned.id) ? {id: planned.id, name: planned.name} : {name: planned.name}
    problems.push({path, message: `no account with id or name '${preview(reference)}' in the document or the store`})
    return undefined
  }

  const accountKey = (ref: AccountRef) => ref.id ?? `name:${ref.name}`

  // Groups.
  for (const group of desired.groups) {
    const stored = current.groups.get(group.name)
    if (!stored) {
      if (looksSecret(group.name)) {
        problems.push({path: [...group.path, 'name'], message: 'a group name cannot be a key or a token: it would be stored and listed in clear'})
        continue
      }

      add({op: 'create', kind: 'group', target: group.name, values: {admin: group.admin ?? false, mayCreateServices: group.mayCreateServices ?? false}}, group.path)
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

    if (fields.length > 0) add({op: 'change', kind: 'group', target: group.name, fields, values}, group.path)
  }

  // Accounts and the memberships they and the groups declare: a membership is wanted when either side names it,
  // and removed when a side that lists it completely (an account's groups, a group's members) leaves it out.
  const wanted = new Map<string, Map<string, {ref: AccountRef; path: DocPath}>>()
  const want = (group: string, ref: AccountRef, path: DocPath) => {
    let members = wanted.get(group)
    if (!members) wanted.set(group, (members = new Map()))
    if (!members.has(accountKey(ref))) members.set(accountKey(ref), {ref, path})
  }

  for (const group of desired.groups) {
    for (const [index, member] of (group.members ?? []).entries()) {
      const ref = resolveAccount(member, [...group.path, 'members', index])
      if (ref) want(group.name, ref, [...group.path, 'members', index])
    }
  }

  for (const account of desired.accounts) {
    for (const [index, group] of (account.groups ?? []).entries()) {
      const path = [...account.path, 'groups', index]
      if (!knownGroup(group)) problems.push({path, message: `no group named '${preview(group)}' in the document or the store`})
      else want(group, resolveAccount(account.id ?? account.name, account.path) ?? {name: account.name}, path)
    }
  }

  const newAccountGroups = new Map<string, string[]>()
  // New names must not look like stored ones, nor like each other: the key of every name, stored or planned.
  const nameByKey = new Map<string, string>()
  for (const {name} of current.accounts.values()) if (!nameByKey.has(accountNameKey(name))) nameByKey.set(accountNameKey(name), name)
  for (const account of desired.accounts) {
    const storedId = account.id ?? storedIdOf(account.name)
    const stored = storedId === undefined ? undefined : current.accounts.get(storedId)
    if (stored) {
      if (stored.name !== account.name && stored.name !== normalizeAccountName(account.name)) {
        problems.push({path: [...account.path, 'name'], message: `account ${storedId} is named '${preview(stored.name)}' in the store; an account cannot be renamed`})
      }

      continue
    }

    if (account.id !== undefined && storedIdOf(account.name) !== undefined) {
      problems.push({
        path: [...account.path, 'id'],
        message: `an account named '${preview(account.name)}' exists with another id (${storedIdOf(account.name)})`,
      })
      continue
    }

    // The rule of every new name (src/core/names.ts), and no collision with a stored or an earlier new name.
    const problem = accountNameProblem(account.name)
    if (problem !== undefined) {
      problems.push({path: [...account.path, 'name'], message: problem})
      continue
    }

    const key = accountNameKey(account.name)
    const clash = nameByKey.get(key)
    if (clash !== undefined) {
      problems.push({path: [...account.path, 'name'], message: accountNameClash(normalizeAccountName(account.name), clash)})
      continue
    }

    nameByKey.set(key, normalizeAccountName(account.name))
    newAccountGroups.set(account.name, [])
    add({op: 'create', kind: 'account', target: account.name, values: {id: account.id, groups: newAccountGroups.get(account.name)!}}, account.path)
  }

  for (const [group, members] of wanted) {
    const have = current.members.get(group)
    for (const {ref, path} of members.values()) {
      if (ref.id === undefined && newAccountGroups.has(ref.name)) {
        if (group !== EVERYONE_GROUP) newAccountGroups.get(ref.name)!.push(group)
        continue
      }

      if (ref.id !== undefined && have?.has(ref.id)) continue
      add({op: 'create', kind: 'membership', target: `${group}/${ref.name}`, group, account: ref}, path)
    }
  }

  // Memberships to remove: those of a listing side that the document does not want.
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
      remove({op: 'remove', kind: 'membership', target: `${group}/${name}`, group, account: {id, name}})
    }
  }

  // Services, their versions and permissions.
  for (const service of desired.services) {
    const stored = current.services.get(service.id)
    const owner = service.owner === undefined ? undefined : resolveAccount(service.owner, [...service.path, 'owner'])
    for (const [group] of service.permissions ?? []) {
      if (!knownGroup(group)) problems.push({path: [...service.path, 'permissions', group], message: `no group named '${preview(group)}' in the document or the store`})
    }

    if (!stored) {
      add({op: 'create', kind: 'service', target: service.id, values: {public: service.public ?? true, owner}}, service.path)
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

      if (fields.length > 0) add({op: 'change', kind: 'service', target: service.id, fields, values}, service.path)
    }

    const versions = stored?.versions ?? []
    for (const [index, version] of (service.versions ?? []).entries()) {
      if (!versions.includes(version)) {
        if (looksSecret(version)) {
          problems.push({path: [...service.path, 'versions', index], message: 'a version cannot be a key or a token: it would be stored and listed in clear'})
          continue
        }

        add({op: 'create', kind: 'service-version', target: `${service.id}/${version}`, service: service.id, version}, [...service.path, 'versions', index])
      }
    }

    if (service.versions !== undefined) {
      for (const version of versions) {
        if (!service.versions.includes(version)) remove({op: 'remove', kind: 'service-version', target: `${service.id}/${version}`, service: service.id, version}, service.path)
      }
    }

    planPermissions(service.permissions, stored?.permissions, (group, privileges, from) => {
      const target = `${service.id}/${group}`
      const path = [...service.path, 'permissions', group]
      if (from === undefined) add({op: 'create', kind: 'service-permission', target, service: service.id, group, privileges}, path)
      else add({op: 'change', kind: 'service-permission', target, service: service.id, group, privileges, fields: [{field: 'privileges', from, to: privileges}]}, path)
    }, (group) => remove({op: 'remove', kind: 'service-permission', target: `${service.id}/${group}`, service: service.id, group}, service.path))
  }

  // Infrastructures and their permissions.
  for (const infra of desired.infrastructures) {
    const stored = current.infrastructures.get(infra.id)
    for (const [group] of infra.permissions ?? []) {
      if (!knownGroup(group)) problems.push({path: [...infra.path, 'permissions', group], message: `no group named '${preview(group)}' in the document or the store`})
    }

    if (!stored) add({op: 'create', kind: 'infrastructure', target: infra.id, values: {stage: infra.stage}}, infra.path)
    else if (stored.stage !== infra.stage) {
      add({op: 'change', kind: 'infrastructure', target: infra.id, fields: [{field: 'stage', from: stored.stage, to: infra.stage}], values: {stage: infra.stage}}, infra.path)
    }

    planPermissions(infra.permissions, stored?.permissions, (group, privileges, from) => {
      const target = `${infra.id}/${group}`
      const path = [...infra.path, 'permissions', group]
      if (from === undefined) add({op: 'create', kind: 'infra-permission', target, infra: infra.id, group, privileges}, path)
      else add({op: 'change', kind: 'infra-permission', target, infra: infra.id, group, privileges, fields: [{field: 'privileges', from, to: privileges}]}, path)
    }, (group) => remove({op: 'remove', kind: 'infra-permission', target: `${infra.id}/${group}`, infra: infra.id, group}, infra.path))
  }

  // Deployments.
  const desiredServices = new Map(desired.services.map((s) => [s.id, s]))
  const desiredInfras = new Set(desired.infrastructures.map((i) => i.id))
  for (const deployment of desired.deployments) {
    const service = desiredServices.get(deployment.service)
    const storedService = current.services.get(deployment.service)
    if (!service && !storedService) {
      problems.push({path: [...deployment.path, 'service'], message: `no service with id '${preview(deployment.service)}' in the document or the store`})
    } else {
      const versions = service?.versions ?? [...(storedService?.versions ?? []), ...(service?.versions ?? [])]
      if (!versions.includes(deployment.version)) {
        problems.push({path: [...deployment.path, 'version'], message: `service '${deployment.service}' has no version '${preview(deployment.version)}' in the document or the store`})
      }
    }

    if (!desiredInfras.has(deployment.infrastructure) && !current.infrastructures.has(deployment.infrastructure)) {
      problems.push({path: [...deployment.path, 'infrastructure'], message: `no infrastructure with id '${preview(deployment.infrastructure)}' in the document or the store`})
    }

    const stored = current.deployments.get(deployment.id)
    if (!stored) {
      add({
        op: 'create',
        kind: 'deployment',
        target: deployment.id,
        values: {service: deployment.service, infrastructure: deployment.infrastructure, version: deployment.version, auth: deployment.auth ?? 'inherit', enabled: deployment.enabled ?? true},
      }, deployment.path)
      continue
    }

    if (stored.service !== deployment.service || stored.infrastructure !== deployment.infrastructure) {
      problems.push({
        path: deployment.path,
        message: `deployment '${deployment.id}' runs service '${stored.service}' on '${stored.infrastructure}' in the store; a deployment cannot move: give it another id`,
      })
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

    if (fields.length > 0) add({op: 'change', kind: 'deployment', target: deployment.id, fields, values}, deployment.path)
  }

  // --prune: objects of the kinds the document names that it does not hold, removed last, dependents first.
  if (options.prune) {
    const prunable = options.prunable
    const may = (kind: Kind, id: string) => !prunable || prunable[kind].has(id)
    if (desired.kinds.has('deployments')) {
      const keep = new Set(desired.deployments.map((d) => d.id))
      for (const id of [...current.deployments.keys()].sort()) if (!keep.has(id) && may('deployments', id)) remove({op: 'remove', kind: 'deployment', target: id})
    }

    if (desired.kinds.has('services')) {
      const keep = new Set(desired.services.map((s) => s.id))
      for (const id of [...current.services.keys()].sort()) if (!keep.has(id) && may('services', id)) remove({op: 'remove', kind: 'service', target: id})
    }

    if (desired.kinds.has('infrastructures')) {
      const keep = new Set(desired.infrastructures.map((i) => i.id))
      for (const id of [...current.infrastructures.keys()].sort()) if (!keep.has(id) && may('infrastructures', id)) remove({op: 'remove', kind: 'infrastructure', target: id})
    }

    if (desired.kinds.has('accounts')) {
      const keepIds = new Set(desired.accounts.flatMap((a) => (a.id ? [a.id] : [])))
      const keepNames = new Set(desired.accounts.map((a) => a.name))
      const stale = [...current.accounts].filter(([id, {name}]) => !keepIds.has(id) && !keepNames.has(name) && may('accounts', id))
      for (const [id, {name}] of stale.sort((a, b) => compare(a[1].name, b[1].name))) remove({op: 'remove', kind: 'account', target: name, id})
    }

    if (desired.kinds.has('groups')) {
      for (const name of [...current.groups.keys()].sort()) {
        if (name !== EVERYONE_GROUP && !desiredGroupNames.has(name) && may('groups', name)) remove({op: 'remove', kind: 'group', target: name})
      }
    }
  }

  // Removals that make later ones possible come first: deployments before the services and versions they use.
  const order: ChangeKind[] = ['deployment', 'service-permission', 'infra-permission', 'service-version', 'service', 'infrastructure', 'membership', 'account', 'group']
  removals.sort((a, b) => order.indexOf(a.change.kind) - order.indexOf(b.change.kind))
  return {changes: [...creates, ...removals], problems}
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

/** Code-unit order, as SQLite's BINARY collation sorts: the export and the plan list in the same order. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

// Showing the plan.

const KIND_NAMES: Record<ChangeKind, string> = {
  group: 'group',
  account: 'account',
  membership: 'membership',
  service: 'service',
  'service-version': 'service version',
  'service-permission': 'service permission',
  infrastructure: 'infrastructure',
  'infra-permission': 'infrastructure permission',
  deployment: 'deployment',
}

const show = (value: unknown): string => (Array.isArray(value) ? `[${value.join(', ')}]` : value === null || value === undefined ? 'none' : String(value))

/** `+ create service churn (public: true)`, `~ change group devops: admin false -> true`, `- remove deployment x`. */
export function describeChange(change: Change): string {
  const what = `${KIND_NAMES[change.kind]} ${change.target}`
  switch (change.op) {
    case 'create': {
      const details = createdDetails(change)
      return `+ create ${what}${details ? ` (${details})` : ''}`
    }

    case 'change': {
      const fields = change.fields ?? []
      return `~ change ${what}: ${fields.map((f) => `${f.field} ${show(f.from)} -> ${show(f.to)}`).join(', ')}`
    }

    case 'remove': {
      return `- remove ${what}`
    }
  }
}

function createdDetails(change: Change): string {
  if (change.op !== 'create') return ''
  switch (change.kind) {
    case 'group': {
      return `admin: ${change.values.admin}, mayCreateServices: ${change.values.mayCreateServices}`
    }

    case 'account': {
      const parts = change.values.id ? [`id: ${change.values.id}`] : []
      if (change.values.groups.length > 0) parts.push(`groups: ${show(change.values.groups)}`)
      return parts.join(', ')
    }

    case 'service': {
      return `public: ${change.values.public}${change.values.owner ? `, owner: ${change.values.owner.name}` : ''}`
    }

    case 'service-permission':
    case 'infra-permission': {
      return show(change.privileges)
    }

    case 'infrastructure': {
      return `stage: ${change.values.stage}`
    }

    case 'deployment': {
      const v = change.values
      return `service: ${v.service}, infrastructure: ${v.infrastructure}, version: ${v.version}, auth: ${v.auth}, enabled: ${v.enabled}`
    }

    default: {
      return ''
    }
  }
}

/** The plan as --json shows it: what changes, never how (account refs by name and id). */
export function changeJson(change: Change): Record<string, unknown> {
  const {op, kind, target} = change
  const result: Record<string, unknown> = {op, kind, target}
  if ('fields' in change && change.fields) result.fields = change.fields
  if ('values' in change && op === 'create') {
    const values: Record<string, unknown> = {...change.values}
    if (values.owner) values.owner = (values.owner as AccountRef).name
    result.values = values
  }

  if ('privileges' in change) result.privileges = change.privileges
  return result
}

// Writing a document (export).

export interface ExportedState {
  groups?: Array<{name: string; admin: boolean; mayCreateServices: boolean}>
  accounts?: Array<{name: string; id: string; groups: string[]}>
  services?: Array<{id: string; public: boolean; owner: string | null; permissions: Map<string, ServicePrivilege[]>; versions: string[]}>
  infrastructures?: Array<{id: string; stage: InfraStage; permissions: Map<string, InfraPrivilege[]>}>
  deployments?: Array<{id: string; service: string; infrastructure: string; version: string | null; auth: AuthMode; enabled: boolean}>
}

/** The document as plain data, keys in a fixed order: what --json prints and what the YAML text is made from. */
export function exportDocument(state: ExportedState): Record<string, unknown> {
  const document: Record<string, unknown> = {apiVersion: API_VERSION}
  if (state.groups) {
    document.groups = state.groups.map((g) => ({
      name: g.name,
      ...(g.admin ? {admin: true} : {}),
      ...(g.mayCreateServices ? {mayCreateServices: true} : {}),
    }))
  }

  if (state.accounts) {
    document.accounts = state.accounts.map((a) => ({name: a.name, id: a.id, ...(a.groups.length > 0 ? {groups: a.groups} : {})}))
  }

  if (state.services) {
    document.services = state.services.map((s) => ({
      id: s.id,
      public: s.public,
      ...(s.owner === null ? {} : {owner: s.owner}),
      ...(s.versions.length > 0 ? {versions: s.versions} : {}),
      ...(s.permissions.size > 0 ? {permissions: Object.fromEntries(s.permissions)} : {}),
    }))
  }

  if (state.infrastructures) {
    document.infrastructures = state.infrastructures.map((i) => ({
      id: i.id,
      stage: i.stage,
      ...(i.permissions.size > 0 ? {permissions: Object.fromEntries(i.permissions)} : {}),
    }))
  }

  if (state.deployments) {
    document.deployments = state.deployments.map((d) => ({
      id: d.id,
      service: d.service,
      infrastructure: d.infrastructure,
      ...(d.version === null ? {} : {version: d.version}),
      auth: d.auth,
      enabled: d.enabled,
    }))
  }

  return document
}

/**
 * YAML text of a document: block style down to each object, flow style inside it (`groups: [a, b]`,
 * `permissions: {devops: [deploy]}`), so one object reads as a few lines and a diff between two exports is small.
 * A name holding a control character, a line break or a bidirectional mark is double-quoted with it escaped, so the
 * same text is safe on a terminal and exact in a file: it applies back to the same names.
 */
export function documentYaml(document: Record<string, unknown>): SafeYamlText {
  return yamlText(
    document,
    (value) =>
      `# yaml-language-server: $schema=https://unpkg.com/accessctl/schema/accessctl.schema.json\n${dumpYaml(value, {
        flowLevel: 3,
        lineWidth: -1,
        noRefs: true,
        noCompatMode: true,
      })}`,
  )
}
