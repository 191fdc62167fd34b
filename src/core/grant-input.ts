import {UsageError} from '../errors.js'
import {closestName, FUNCTIONS, type Grant, RESOURCES, WILDCARD} from './grants.js'
import {preview} from './text.js'

/**
 * Grants as a user writes them, before account names are resolved to ids: from the flags of `tokens create` or
 * from its config file (`{account: ID, grants: [...]}`, YAML or JSON, parsed in token-config.ts). Pure: name checks only.
 */
export interface TokenConfig {
  account?: string
  grants: Grant[]
}

/**
 * A token's grants come from exactly one source: a role, grant flags, or a config file (oclif's `exclusive` refuses
 * two of them while parsing; this is the rule for every caller, prompts and library included).
 */
export function requireOneGrantSource(input: {role?: unknown; grants?: unknown; config?: unknown}): void {
  const given = [input.role, input.grants, input.config].filter((source) => source !== undefined).length
  if (given === 0) throw missingGrantSource()
  if (given > 1) throw new UsageError('give exactly one of --role, -f/-r, or -c to say what the token grants')
}

export function missingGrantSource(): UsageError {
  return new UsageError('say what the token grants: give --role NAME, or -f FUNCTIONS -r RESOURCES [-a ACCOUNTS], or -c FILE', {
    hint: 'For example: accessctl tokens create -t account -i ID --role AuditDeveloper (no terminal is attached to ask on).',
  })
}

export function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)]
}

/** One grant from the `-f/-r/-a/-e` flags, each already split on commas. */
export function grantFromFlags(
  lists: {functions: string[]; resources: string[]; accounts: string[]; entities: string[]},
  given: {accounts: boolean; entities: boolean} = {accounts: false, entities: false},
): Grant {
  const grant: Grant = {
    resources: dedupe(lists.resources),
    functions: dedupe(lists.functions),
    accounts: dedupe(lists.accounts),
    entities: dedupe(lists.entities),
  }
  if (grant.functions.length === 0) throw new UsageError('-f/--function needs -r/--resource, and -r needs -f: give both')
  if (grant.resources.length === 0) throw new UsageError('-r/--resource needs -f/--function, and -f needs -r: give both')
  validateGrantNames(grant)
  refuseExplicitlyEmptyScope(grant, given, given.accounts ? '-a/--account' : '-e/--entity')
  return grant
}

/**
 * Names Dyff still accepts so that its old keys keep parsing, and the current name each is read as. Dyff folded
 * `download` and `upload` into `data`; `strata` and the `tasks` resource went with no successor (null): they are
 * kept as written, so a grant naming them allows nothing but what a `*` would, never more than the old name did.
 */
export const DEPRECATED_FUNCTIONS: Readonly<Record<string, string | null>> = {download: 'data', upload: 'data', strata: null}
export const DEPRECATED_RESOURCES: Readonly<Record<string, string | null>> = {tasks: null}

type NameKind = 'function' | 'resource'

const deprecatedOf = (kind: NameKind) => (kind === 'function' ? DEPRECATED_FUNCTIONS : DEPRECATED_RESOURCES)

/** The name accessctl reads `name` as: its current name when it is a deprecated one that has one, else itself. */
export function currentName(kind: NameKind, name: string): string {
  const table = deprecatedOf(kind)
  return Object.hasOwn(table, name) ? (table[name] ?? name) : name
}

/** The warning for a deprecated name, or null for a current one. */
export function deprecationNote(kind: NameKind, name: string): string | null {
  const table = deprecatedOf(kind)
  if (!Object.hasOwn(table, name)) return null
  const current = table[name]
  return current === null
    ? `${kind} '${name}' is deprecated and has no current name (Dyff dropped it): kept as written, it allows nothing`
    : `${kind} '${name}' is deprecated: read as '${current}', its current name`
}

/** The warnings for every deprecated name in the grants, each once, in the order given. */
export function grantDeprecationNotes(grants: readonly Grant[]): string[] {
  const notes = grants.flatMap((grant) => [
    ...grant.functions.map((name) => deprecationNote('function', name)),
    ...grant.resources.map((name) => deprecationNote('resource', name)),
  ])
  return dedupe(notes.filter((note): note is string => note !== null))
}

/** The grant with its deprecated names replaced by their current ones (those that have one). */
export function withCurrentNames(grant: Grant): Grant {
  return {
    ...grant,
    functions: dedupe(grant.functions.map((name) => currentName('function', name))),
    resources: dedupe(grant.resources.map((name) => currentName('resource', name))),
  }
}

export function validateFunctionName(name: string): void {
  validateName(name, 'function', FUNCTIONS, DEPRECATED_FUNCTIONS)
}

export function validateResourceName(name: string): void {
  validateName(name, 'resource', RESOURCES, DEPRECATED_RESOURCES)
}

/**
 * A grant that names no account and no entity covers the token's own account; one whose `accounts` or `entities`
 * were given, but empty, is refused: read literally it matches nothing (as in Dyff), and widening it to the own
 * account would grant what was never written. `given` says which of the two keys (or flags) were present.
 */
export function refuseExplicitlyEmptyScope(grant: Grant, given: {accounts: boolean; entities: boolean}, where: string): void {
  if (grant.accounts.length > 0 || grant.entities.length > 0) return
  if (!given.accounts && !given.entities) return
  const key = given.accounts ? 'accounts' : 'entities'
  throw new UsageError(`empty ${key} in ${where}: such a grant would match nothing`, {
    hint: "Name the accounts (or entities) it covers, or leave the key out for the token's own account.",
  })
}

/** Function and resource names must be known (or `*`): a typo would otherwise make a grant that allows nothing. */
export function validateGrantNames(grant: Grant): void {
  for (const name of grant.functions) validateFunctionName(name)
  for (const name of grant.resources) validateResourceName(name)
}

function validateName(name: string, kind: NameKind, known: readonly string[], deprecated: Readonly<Record<string, string | null>>): void {
  if (name === WILDCARD || known.includes(name) || Object.hasOwn(deprecated, name)) return
  const closest = closestName(name, known)
  throw new UsageError(
    `unknown ${kind} '${preview(name)}'${closest ? ` (did you mean '${closest}'?)` : ''}`,
    {hint: `Known ${kind}s: ${known.join(', ')}, or * for all.`},
  )
}

/** Whether some grant allows everything everywhere: such a token is as strong as Admin. */
export function isAllWildcard(grants: readonly Grant[]): boolean {
  return grants.some(
    (g) =>
      g.resources.includes(WILDCARD) &&
      g.functions.includes(WILDCARD) &&
      (g.accounts.includes(WILDCARD) || g.entities.includes(WILDCARD)),
  )
}
