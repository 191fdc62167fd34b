import type {Grant} from '../core/grants.js'
import {EVERYONE_GROUP} from '../core/names.js'
import type {Db} from '../store/store.js'
import {findAccountById} from './accounts.js'
import {isGlobalAdmin} from './access.js'
import type {Context} from './context.js'
import {mayCreateServices} from './services.js'

/** `auth whoami`: who the caller is, and for a token its account, groups, global privileges and grants. */

export interface GlobalPrivileges {
  admin: boolean
  mayCreateServices: boolean
}

export type WhoAmI =
  | {kind: 'operator'; user: string; fullRights: true}
  | {kind: 'admin-key'; keyId: string; label: string | null; expiresAt: string | null; fullRights: true}
  | {
      kind: 'token'
      fullRights: false
      account: {id: string; name: string | null}
      groups: string[]
      globalPrivileges: GlobalPrivileges
      token: {jti: string; type: 'account' | 'ephemeral'; issuedAt: string; expiresAt: string; grants: Grant[]}
    }

/** The groups an account is in, `everyone` first. */
export function groupsOf(db: Db, accountId: string): string[] {
  const named = db.prepare('SELECT group_name FROM group_members WHERE account_id = ? ORDER BY group_name').pluck().all(accountId) as string[]
  return [EVERYONE_GROUP, ...named]
}

export function globalPrivilegesOf(db: Db, accountId: string): GlobalPrivileges {
  return {admin: isGlobalAdmin(db, accountId), mayCreateServices: mayCreateServices(db, accountId)}
}

export function whoAmI(ctx: Context): WhoAmI {
  return ctx.store.read(() => {
    const {caller} = ctx
    const {db} = ctx.store
    switch (caller.kind) {
      case 'operator': {
        return {kind: 'operator', user: caller.user, fullRights: true}
      }

      case 'admin-key': {
        const row = db.prepare('SELECT label, expires_at FROM admin_keys WHERE id = ?').get(caller.keyId) as
          | {label: string | null; expires_at: string | null}
          | undefined
        return {kind: 'admin-key', keyId: caller.keyId, label: row?.label ?? null, expiresAt: row?.expires_at ?? null, fullRights: true}
      }

      case 'token': {
        return {
          kind: 'token',
          fullRights: false,
          account: {id: caller.accountId, name: findAccountById(db, caller.accountId)?.name ?? null},
          groups: groupsOf(db, caller.accountId),
          globalPrivileges: globalPrivilegesOf(db, caller.accountId),
          token: {
            jti: caller.jti,
            type: caller.tokenType,
            issuedAt: caller.issuedAt.toISOString(),
            expiresAt: caller.expiresAt.toISOString(),
            grants: caller.grants,
          },
        }
      }
    }
  })
}
