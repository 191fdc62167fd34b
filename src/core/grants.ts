/**
 * The permission language both seeds share: a grant `{resources, functions, accounts, entities}` allows function F
 * on resource type R for an object owned by account A with id E when R is in `resources`, F in `functions`, and A
 * is in `accounts` or E in `entities`. `*` matches anything, including an object that has no owner account.
 * Grants are additive. This module is pure: no I/O, no clock.
 */
import {editDistance} from './suggest.js'

export const WILDCARD = '*'

export const FUNCTIONS = ['consume', 'create', 'get', 'query', 'edit', 'data', 'terminate', 'delete', 'deploy', 'admin'] as const

export const PLATFORM_RESOURCES = [
  'accounts', 'analyses', 'artifacts', 'audits', 'auditprocedures', 'challenges', 'concerns', 'curves', 'datasets',
  'datasources', 'descriptors', 'documentation', 'evaluations', 'families', 'hazards', 'histories',
  'inferenceservices', 'inferencesessions', 'measurements', 'methods', 'models', 'modules', 'pipelines',
  'pipelineruns', 'quotas', 'reports', 'revisions', 'safetycases', 'scores', 'submissions', 'teams', 'usecases',
] as const

export const TOOL_RESOURCES = ['services', 'infrastructures', 'deployments', 'tokens', 'groups'] as const

export const RESOURCES = [...PLATFORM_RESOURCES, ...TOOL_RESOURCES] as const

export interface Grant {
  resources: string[]
  functions: string[]
  accounts: string[]
  entities: string[]
}

export interface AccessRequest {
  function: string
  resource: string
  /** The account that owns the object; null or absent when it has none. */
  account?: string | null
  /** The object's id, when the request is about one object. */
  entity?: string | null
}

export interface GrantTrace {
  index: number
  grant: Grant
  resource: boolean
  function: boolean
  account: boolean
  entity: boolean
  matched: boolean
}

export interface Decision {
  allowed: boolean
  /** Index of the first grant that allowed the request, or null. */
  matchedGrant: number | null
  trace: GrantTrace[]
}

const listMatches = (list: readonly string[], value: string | null | undefined): boolean =>
  list.includes(WILDCARD) || (value !== null && value !== undefined && list.includes(value))

function traceGrant(grant: Grant, index: number, request: AccessRequest): GrantTrace {
  const resource = listMatches(grant.resources, request.resource)
  const fn = listMatches(grant.functions, request.function)
  const account = listMatches(grant.accounts, request.account)
  const entity = listMatches(grant.entities, request.entity)
  return {index, grant, resource, function: fn, account, entity, matched: resource && fn && (account || entity)}
}

/** Evaluates every grant and keeps the trace, for `--explain`. */
export function evaluate(grants: readonly Grant[], request: AccessRequest): Decision {
  const trace = grants.map((grant, index) => traceGrant(grant, index, request))
  const first = trace.find((t) => t.matched)
  return {allowed: first !== undefined, matchedGrant: first?.index ?? null, trace}
}

/** The hot-path form of `evaluate`: stops at the first grant that allows the request. */
export function allows(grants: readonly Grant[], request: AccessRequest): boolean {
  for (const grant of grants) {
    if (
      listMatches(grant.resources, request.resource) &&
      listMatches(grant.functions, request.function) &&
      (listMatches(grant.accounts, request.account) || listMatches(grant.entities, request.entity))
    ) {
      return true
    }
  }

  return false
}

/** A grant value in `inner` is covered by one in `outer` when outer has it or the wildcard. */
const valueCovered = (outer: readonly string[], value: string): boolean =>
  outer.includes(WILDCARD) || (value !== WILDCARD && outer.includes(value))

/**
 * Whether every request `inner` allows is also allowed by `outer`: the rule for a token minting another token.
 * Checked point by point (each resource x function x account, and x entity), so a wildcard in `inner` needs a
 * wildcard in `outer`. An account point is also covered by a wildcard in outer's entities, and an entity point by a
 * wildcard in outer's accounts, since those match every object.
 */
export function covers(outer: readonly Grant[], inner: readonly Grant[]): boolean {
  for (const grant of inner) {
    for (const resource of grant.resources) {
      for (const fn of grant.functions) {
        const candidates = outer.filter((o) => valueCovered(o.resources, resource) && valueCovered(o.functions, fn))
        for (const account of grant.accounts) {
          if (!candidates.some((o) => valueCovered(o.accounts, account) || o.entities.includes(WILDCARD))) return false
        }

        for (const entity of grant.entities) {
          if (!candidates.some((o) => valueCovered(o.entities, entity) || o.accounts.includes(WILDCARD))) return false
        }
      }
    }
  }

  return true
}

/** The closest known name to `input` by edit distance, for "did you mean" hints. */
export function closestName(input: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const name of known) {
    const distance = editDistance(input.toLowerCase(), name)
    if (distance < bestDistance) {
      best = name
      bestDistance = distance
    }
  }

  return bestDistance <= Math.max(2, Math.floor(input.length / 3)) ? best : undefined
}
