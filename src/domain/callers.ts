import {DeniedError, UsageError} from '../errors.js'
import type {Store} from '../store/store.js'
import {authenticateAdminKey} from './admin-keys.js'
import {actorOf, type Caller} from './context.js'
import {isStoreLocked, LOCKED_MESSAGE} from './lock.js'
import {tokenCaller, verifyToken} from './token-verifier.js'

export interface Credentials {
  token?: string
  adminKey?: string
}

/**
 * The one place that decides who is calling: an admin key, a token, or (with neither) the local operator. A
 * credential that does not check out is exit 3 with the reason, never a quiet fall-back to the operator; the
 * operator is refused while the store is locked.
 */
export async function resolveCaller(store: Store, credentials: Credentials, operator: Caller): Promise<Caller> {
  const token = given(credentials.token, 'the token')
  const adminKey = given(credentials.adminKey, 'the admin key')
  if (token !== undefined && adminKey !== undefined) {
    throw new UsageError('give one credential: --token or --admin-key, not both')
  }

  if (adminKey !== undefined) {
    try {
      const key = authenticateAdminKey(store.db, adminKey, store.access === 'read-write')
      return {kind: 'admin-key', keyId: key.id}
    } catch (error) {
      if (error instanceof DeniedError) {
        throw new DeniedError(error.message, {actor: 'unauthenticated:admin-key', hint: 'Check --admin-key / ACCESSCTL_ADMIN_KEY.'})
      }

      throw error
    }
  }

  if (token !== undefined) {
    const verification = verifyToken(store.db, token)
    if (!verification.valid) {
      throw new DeniedError(`invalid credential: token ${verification.reason.replaceAll('_', ' ')}`, {
        actor: verification.accountId ? `unauthenticated:account:${verification.accountId}` : 'unauthenticated:token',
        hint: 'Check --token / ACCESSCTL_TOKEN.',
      })
    }

    return tokenCaller(verification)
  }

  if (isStoreLocked(store.db)) throw new DeniedError(LOCKED_MESSAGE, {actor: actorOf(operator)})
  return operator
}

/**
 * A credential that is there but empty is a mistake (an unset variable in a script), never "no credential": taken
 * as not given, it would run the command as the local operator, with every right.
 */
function given(value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined
  if (value.trim() === '') throw new UsageError(`${what} is empty`, {hint: 'Give a credential, or none to act as the local operator.'})
  return value.trim()
}
