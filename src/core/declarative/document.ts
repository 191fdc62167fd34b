import type {AuthMode, InfraPrivilege, InfraStage, ServicePrivilege} from '../deployer.js'
import type {DocPath} from './yaml-document.js'

/**
 * The declarative document of `apply`, `diff` and `export`, as the other modules of this folder share it: its
 * version, kinds and keys, and the objects it declares once read (parse.ts reads them, plan.ts compares them with
 * the store, export.ts writes the store's objects back as a document).
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

/** A problem in the document, placed by path; `ParsedDocument.locate` turns it into "line N of SOURCE: ...". */
export interface DocProblem {
  path: DocPath
  message: string
}

/** Code-unit order, as SQLite's BINARY collation sorts: the export and the plan list in the same order. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
