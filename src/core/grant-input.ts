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
export function grantFromFlags(lists: {functions: string[]; resources: string[]; accounts: string[]; entities: string[]}): Grant {
  const grant: Grant = {
    resources: dedupe(lists.resources),
    functions: dedupe(lists.functions),
    accounts: dedupe(lists.accounts),
    entities: dedupe(lists.entities),
  }
  if (grant.functions.length === 0) throw new UsageError('-f/--function needs -r/--resource, and -r needs -f: give both')
  if (grant.resources.length === 0) throw new UsageError('-r/--resource needs -f/--function, and -f needs -r: give both')
  validateGrantNames(grant)
  return grant
}

export function validateFunctionName(name: string): void {
  validateName(name, 'function', FUNCTIONS)
}

export function validateResourceName(name: string): void {
  validateName(name, 'resource', RESOURCES)
}

/** Function and resource names must be known (or `*`): a typo would otherwise make a grant that allows nothing. */
export function validateGrantNames(grant: Grant): void {
  for (const name of grant.functions) validateFunctionName(name)
  for (const name of grant.resources) validateResourceName(name)
}

function validateName(name: string, kind: string, known: readonly string[]): void {
  if (name === WILDCARD || known.includes(name)) return
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
