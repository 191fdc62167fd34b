import type {AuthMode, InfraPrivilege, InfraStage, ServicePrivilege} from './deployer.js'

/**
 * The access review (`accessctl review`): its document, which is also the `--json` contract, and the rules that say
 * what a reviewer should look at. Pure: the store is read in domain/review, the renderings are review-markdown.ts and
 * cli/review-output.ts.
 */

/** How many accounts a list of holders or members shows; the counts say how many there are in all. */
export const ACCOUNTS_SHOWN = 100

/** An Admin-strength token living longer than this is a finding (as `tokens create` warns). */
export const ADMIN_TOKEN_MAX_SECONDS = 24 * 3600
/** A query key older than this is a finding: rotate it. */
export const QUERY_KEY_MAX_AGE_DAYS = 90

export interface AccountRef {
  id: string
  name: string
}

/** A group through which an account holds something; `globalAdmin` when it holds it as a global administrator. */
export interface Via {
  group: string
  globalAdmin: boolean
}

export interface Holder extends AccountRef {
  via: Via[]
}

/**
 * The accounts that hold a privilege through groups. `everyone` is true when the built-in group holds it: then every
 * account does, `accountCount` is null and `accounts` is empty. Otherwise `accounts` is the first ACCOUNTS_SHOWN by
 * name, of `accountCount`.
 */
export interface Holders {
  via: Via[]
  everyone: boolean
  accountCount: number | null
  accounts: Holder[]
}

export interface ReviewGroup {
  name: string
  admin: boolean
  mayCreateServices: boolean
  /** null for `everyone`, which holds every account. */
  memberCount: number | null
  /** The first ACCOUNTS_SHOWN members by name. */
  members: AccountRef[]
}

export interface ReviewService {
  id: string
  public: boolean
  owner: AccountRef | null
  /** The groups holding each privilege, implications included (a group with admin is in all four). */
  privileges: Record<ServicePrivilege, string[]>
}

export interface ReviewInfrastructure {
  id: string
  stage: InfraStage
  owner: AccountRef | null
  privileges: Record<InfraPrivilege, string[]>
}

export interface ProductionDeployers extends Holders {
  infrastructure: string
}

export const FINDING_KINDS = ['long-lived-admin-token', 'admin-key-never-expires', 'old-query-key', 'public-production-deployment'] as const
export type FindingKind = (typeof FINDING_KINDS)[number]

export interface ObjectRef {
  type: 'token' | 'admin-key' | 'service-key' | 'deployment-key' | 'deployment' | 'service' | 'infrastructure'
  id: string
}

/**
 * One thing to look at. Never a secret: objects are named by id. `reason` is the program's own words (times,
 * durations, modes); stored text (a label, an account's name) is in its own fields.
 */
export interface Finding {
  kind: FindingKind
  object: ObjectRef
  /** What the object belongs to: a key's service or deployment, a deployment's infrastructure. */
  parent: ObjectRef | null
  account: AccountRef | null
  label: string | null
  reason: string
}

export interface AccessReview {
  generatedAt: string
  globalAdministrators: Holders
  serviceCreators: Holders
  groups: ReviewGroup[]
  services: ReviewService[]
  infrastructures: ReviewInfrastructure[]
  productionDeployers: ProductionDeployers[]
  findings: Finding[]
}

const DAY_MS = 86_400_000

/**
 * A duration in the units a reviewer reads, rounded (a token's expiry is stored to the second, its creation to the
 * millisecond): days from two days on, else hours.
 */
export function formatLifetime(ms: number): string {
  const hours = Math.round(ms / 3_600_000)
  return hours >= 48 ? `${Math.round(hours / 24)} days` : `${hours} hour${hours === 1 ? '' : 's'}`
}

export interface AdminTokenFacts {
  jti: string
  account: AccountRef
  role: string | null
  label: string | null
  createdAt: string
  expiresAt: string
}

/** A recorded, still valid token that grants everything and lives more than a day. */
export function longLivedAdminToken(token: AdminTokenFacts): Finding | undefined {
  const lifetime = Date.parse(token.expiresAt) - Date.parse(token.createdAt)
  if (lifetime <= ADMIN_TOKEN_MAX_SECONDS * 1000) return undefined
  const what = token.role === 'Admin' ? 'Admin-role token' : 'token that grants everything in every account'
  return {
    kind: 'long-lived-admin-token',
    object: {type: 'token', id: token.jti},
    parent: null,
    account: token.account,
    label: token.label,
    reason: `${what} living ${formatLifetime(lifetime)} (until ${token.expiresAt}), over 24 hours: prefer ephemeral tokens of an hour`,
  }
}

export function adminKeyNeverExpires(key: {id: string; label: string | null; createdAt: string}): Finding {
  return {
    kind: 'admin-key-never-expires',
    object: {type: 'admin-key', id: key.id},
    parent: null,
    account: null,
    label: key.label,
    reason: `admin key with full rights that never expires (created ${key.createdAt}): keep one for break-glass, give the others a --ttl`,
  }
}

export interface QueryKeyFacts {
  id: string
  of: {type: 'service' | 'deployment'; id: string}
  label: string | null
  createdAt: string
}

/** The earliest creation time a query key may have at `now` without being old. */
export function queryKeyCutoff(now: Date): string {
  return new Date(now.getTime() - QUERY_KEY_MAX_AGE_DAYS * DAY_MS).toISOString()
}

export function oldQueryKey(key: QueryKeyFacts, now: Date): Finding | undefined {
  const age = now.getTime() - Date.parse(key.createdAt)
  if (age <= QUERY_KEY_MAX_AGE_DAYS * DAY_MS) return undefined
  return {
    kind: 'old-query-key',
    object: {type: key.of.type === 'service' ? 'service-key' : 'deployment-key', id: key.id},
    parent: {type: key.of.type, id: key.of.id},
    account: null,
    label: key.label,
    reason: `query key ${formatLifetime(age)} old (created ${key.createdAt}), over ${QUERY_KEY_MAX_AGE_DAYS} days: rotate it`,
  }
}

export interface ProductionDeploymentFacts {
  id: string
  service: string
  infrastructure: string
  authMode: AuthMode
  servicePublic: boolean
  enabled: boolean
}

/** A deployment on a Production infrastructure that anyone may query: in `public` mode, or inheriting a public service. */
export function publicProductionDeployment(deployment: ProductionDeploymentFacts): Finding | undefined {
  const publicBy =
    deployment.authMode === 'public'
      ? 'in public mode'
      : deployment.authMode === 'inherit' && deployment.servicePublic
        ? `in inherit mode on public service ${deployment.service}`
        : undefined
  if (publicBy === undefined) return undefined
  return {
    kind: 'public-production-deployment',
    object: {type: 'deployment', id: deployment.id},
    parent: {type: 'infrastructure', id: deployment.infrastructure},
    account: null,
    label: null,
    reason:
      `deployment ${publicBy} on Production infrastructure ${deployment.infrastructure}: anyone may query it without a key` +
      (deployment.enabled ? '' : ' once it is enabled again'),
  }
}

/**
 * The items of a list being read, or undefined when it has none: a report says "none" rather than print an empty
 * table, and a list read as it is written cannot be asked its length. Takes the first item to know.
 */
export function unlessEmpty<T>(items: Iterable<T>): Iterable<T> | undefined {
  const iterator = items[Symbol.iterator]()
  const first = iterator.next()
  if (first.done === true) return undefined
  return (function* () {
    yield first.value
    for (let next = iterator.next(); next.done !== true; next = iterator.next()) yield next.value
  })()
}
