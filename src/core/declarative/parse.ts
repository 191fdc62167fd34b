import {AUTH_MODES, INFRA_PRIVILEGES, INFRA_STAGES, SERVICE_PRIVILEGES} from '../deployer.js'
import {EVERYONE_GROUP, isAccountId, MAX_ACCOUNT_NAME_LENGTH} from '../names.js'
import {preview} from '../text.js'
import {
  type AccountSpec,
  API_VERSION,
  type DeploymentSpec,
  type DesiredState,
  type DocProblem,
  DOCUMENT_KEYS,
  type GroupSpec,
  type InfraSpec,
  type Kind,
  KINDS,
  OBJECT_KEYS,
  REQUIRED_KEYS,
  type ServiceSpec,
} from './document.js'
import {type DocPath, DocumentError, readYamlStream} from './yaml-document.js'

/**
 * The declarative document's reader (pure: no I/O): YAML or JSON text to the objects it declares, with strict key
 * and type checks. The YAML itself is read by yaml-document.ts, with the project's rules (failsafe schema, no
 * anchors, nesting capped); every problem is placed at its line.
 */

/** The parsed document and the way back from a path to a line of its text. */
export interface ParsedDocument {
  state: DesiredState
  /** `line N of SOURCE: message` for a problem at `path` (the line is found by parsing the text again). */
  locate: (problem: DocProblem) => string
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Parses a whole document (one or more YAML documents, or JSON). Every problem is a UsageError (exit 2) naming the
 * line: syntax, anchors and aliases, nesting, unknown keys, wrong types, duplicate names.
 */
export function parseDesiredState(text: string, source: string): ParsedDocument {
  const {documents, positionOf} = readYamlStream(text, source)
  const locate = (problem: DocProblem) => {
    const line = positionOf(problem.path)?.line
    return line === undefined ? `${source}: ${problem.message}` : `line ${line} of ${source}: ${problem.message}`
  }

  const problems: DocProblem[] = []
  const state = readState(documents, problems)
  if (problems.length === 0 && documents.every((document) => document === null || document === undefined)) throw new DocumentError(`${source} is empty; expected a document with apiVersion: ${API_VERSION}`)
  if (problems.length > 0) throw new DocumentError(problems.slice(0, 20).map(locate).join('\n'))
  return {state, locate}
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
  switch (kind) {
    case 'groups': {
      state.groups.push(readGroup(read, item, path))
      return
    }

    case 'accounts': {
      state.accounts.push(readAccount(read, item, path))
      return
    }

    case 'services': {
      state.services.push(readService(read, item, path))
      return
    }

    case 'infrastructures': {
      state.infrastructures.push(readInfra(read, item, path))
      return
    }

    case 'deployments': {
      state.deployments.push(readDeployment(read, item, path))
    }
  }
}

const fieldOf = (path: DocPath, key: string): DocPath => [...path, key]
const given = (item: Record<string, unknown>, key: string) => item[key] !== undefined && item[key] !== null

function readGroup(read: Reader, item: Record<string, unknown>, path: DocPath): GroupSpec {
  const name = read.string(item.name, fieldOf(path, 'name'), "'name'")
  if (name !== undefined && !GROUP_NAME.test(name)) {
    read.problem(fieldOf(path, 'name'), `'${preview(name)}' is not a valid group name: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit`)
  }

  const group: GroupSpec = {name: name ?? '', path}
  if (given(item, 'admin')) group.admin = read.boolean(item.admin, fieldOf(path, 'admin'), "'admin'")
  if (given(item, 'mayCreateServices')) group.mayCreateServices = read.boolean(item.mayCreateServices, fieldOf(path, 'mayCreateServices'), "'mayCreateServices'")
  if (item.members !== undefined) {
    group.members = read.strings(item.members, fieldOf(path, 'members'), "'members'")
    if (name === EVERYONE_GROUP && group.members && group.members.length > 0) {
      read.problem(fieldOf(path, 'members'), `'${EVERYONE_GROUP}' holds every account implicitly; it takes no members`)
    }
  }

  return group
}

function readAccount(read: Reader, item: Record<string, unknown>, path: DocPath): AccountSpec {
  const name = read.string(item.name, fieldOf(path, 'name'), "'name'")
  if (name === '') read.problem(fieldOf(path, 'name'), 'an account name cannot be empty')
  if (name !== undefined && name.length > MAX_ACCOUNT_NAME_LENGTH && [...name].length > MAX_ACCOUNT_NAME_LENGTH) {
    read.problem(fieldOf(path, 'name'), `an account name has at most ${MAX_ACCOUNT_NAME_LENGTH} characters`)
  }

  const account: AccountSpec = {name: name ?? '', path}
  if (given(item, 'id')) {
    const id = read.string(item.id, fieldOf(path, 'id'), "'id'")
    if (id !== undefined && !isAccountId(id)) read.problem(fieldOf(path, 'id'), `'${preview(id)}' is not an account id: 32 lowercase hexadecimal characters`)
    account.id = id
  }

  if (item.groups !== undefined) {
    account.groups = read.strings(item.groups, fieldOf(path, 'groups'), "'groups'")
    const index = account.groups?.indexOf(EVERYONE_GROUP) ?? -1
    if (index !== -1) read.problem([...path, 'groups', index], `every account is in '${EVERYONE_GROUP}' already; it takes no explicit members`)
  }

  return account
}

function readService(read: Reader, item: Record<string, unknown>, path: DocPath): ServiceSpec {
  const service: ServiceSpec = {id: objectId(read, item.id, fieldOf(path, 'id'), 'service'), path}
  if (given(item, 'public')) service.public = read.boolean(item.public, fieldOf(path, 'public'), "'public'")
  if (given(item, 'owner')) service.owner = read.string(item.owner, fieldOf(path, 'owner'), "'owner'")
  if (item.permissions !== undefined) service.permissions = read.permissions(item.permissions, fieldOf(path, 'permissions'), SERVICE_PRIVILEGES)
  if (item.versions !== undefined) {
    service.versions = read.strings(item.versions, fieldOf(path, 'versions'), "'versions'")
    for (const [index, version] of (service.versions ?? []).entries()) {
      if (!VERSION.test(version)) read.problem([...path, 'versions', index], `'${preview(version)}' is not a valid version: use 1-64 of A-Z a-z 0-9 . _ + -, starting with a letter or digit`)
    }
  }

  return service
}

function readInfra(read: Reader, item: Record<string, unknown>, path: DocPath): InfraSpec {
  const infra: InfraSpec = {
    id: objectId(read, item.id, fieldOf(path, 'id'), 'infrastructure'),
    stage: read.oneOf(item.stage, fieldOf(path, 'stage'), "'stage'", INFRA_STAGES) ?? 'Development',
    path,
  }
  if (item.permissions !== undefined) infra.permissions = read.permissions(item.permissions, fieldOf(path, 'permissions'), INFRA_PRIVILEGES)
  return infra
}

function readDeployment(read: Reader, item: Record<string, unknown>, path: DocPath): DeploymentSpec {
  const service = objectId(read, item.service, fieldOf(path, 'service'), 'service')
  const infrastructure = objectId(read, item.infrastructure, fieldOf(path, 'infrastructure'), 'infrastructure')
  const version = read.string(item.version, fieldOf(path, 'version'), "'version'") ?? ''
  if (version !== '' && !VERSION.test(version)) read.problem(fieldOf(path, 'version'), `'${preview(version)}' is not a valid version`)
  const deployment: DeploymentSpec = {
    id: given(item, 'id') ? objectId(read, item.id, fieldOf(path, 'id'), 'deployment') : `${service}-on-${infrastructure}`,
    service,
    infrastructure,
    version,
    path,
  }
  if (given(item, 'auth')) deployment.auth = read.oneOf(item.auth, fieldOf(path, 'auth'), "'auth'", AUTH_MODES)
  if (given(item, 'enabled')) deployment.enabled = read.boolean(item.enabled, fieldOf(path, 'enabled'), "'enabled'")
  return deployment
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
