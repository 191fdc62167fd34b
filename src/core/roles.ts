import {UsageError} from '../errors.js'
import {closestName, type Grant, WILDCARD} from './grants.js'
import {globMatches, type ListQuery, sortRows, type SortKeys, validateGlob} from './list-query.js'
import {preview} from './text.js'

/** The account name that stands for public resources in grants (the seed's `public`). */
export const PUBLIC_ACCOUNT = 'public'

export interface Role {
  name: string
  description: string
  expand: (accountId: string) => Grant[]
}

const all = [WILDCARD]

export const ROLES: readonly Role[] = [
  {
    name: 'Admin',
    description: 'Grants all permissions: any operation on any resource in any account.',
    expand: () => [{resources: all, functions: all, accounts: all, entities: all}],
  },
  {
    name: 'AuditDeveloper',
    description:
      'Full permissions within its own account, read permissions on all resources, and consume permissions on public resources.',
    expand: (accountId) => [
      {resources: all, functions: all, accounts: [accountId], entities: []},
      {resources: all, functions: ['get', 'query'], accounts: all, entities: all},
      {resources: all, functions: ['consume', 'data'], accounts: [PUBLIC_ACCOUNT], entities: []},
    ],
  },
]

/** The fields `tokens roles list --sort` takes. */
export const ROLE_SORT_KEYS: SortKeys<Role> = {name: (role) => role.name, description: (role) => role.description}

/** The built-in roles as lists show them, filtered and sorted in memory as the SQL lists are in the store. */
export function listRoles(query: ListQuery = {}): Array<{name: string; description: string}> {
  const glob = query.name === undefined ? undefined : validateGlob(query.name)
  const matching = glob === undefined ? ROLES : ROLES.filter((role) => globMatches(glob, role.name))
  return sortRows(matching, ROLE_SORT_KEYS, query, 'name', 'name').map(({name, description}) => ({name, description}))
}

export function findRole(name: string): Role | undefined {
  return ROLES.find((role) => role.name.toLowerCase() === name.toLowerCase())
}

/** The role of that name (in any case), or exit 2 naming the closest one. */
export function requireRole(name: string): Role {
  const role = findRole(name)
  if (role) return role
  const names = ROLES.map((r) => r.name)
  // closestName compares in lower case, so it is given the names in lower case too.
  const closest = ROLES.find((r) => r.name.toLowerCase() === closestName(name, names.map((n) => n.toLowerCase())))?.name
  throw new UsageError(`unknown role '${preview(name)}'${closest ? ` (did you mean '${closest}'?)` : ''}`, {
    hint: `Known roles: ${names.join(', ')}.`,
  })
}

/** A role's grants for an account, as a token made from it would carry them. */
export function roleGrants(roleName: string, accountId: string): {role: string; accountId: string; grants: Grant[]} {
  const role = requireRole(roleName)
  return {role: role.name, accountId, grants: role.expand(accountId)}
}
