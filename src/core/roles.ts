import {type Grant, WILDCARD} from './grants.js'

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

export function findRole(name: string): Role | undefined {
  return ROLES.find((role) => role.name.toLowerCase() === name.toLowerCase())
}
