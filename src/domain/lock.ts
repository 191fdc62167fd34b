import {ConflictError, DeniedError} from '../errors.js'
import type {Db} from '../store/store.js'
import {mutate} from './audit.js'
import {requireGlobalAdmin} from './access.js'
import type {Context} from './context.js'

export const LOCKED_MESSAGE = 'store is locked: give an admin key or a token'

export function isStoreLocked(db: Db): boolean {
  return db.prepare("SELECT value FROM settings WHERE key = 'locked'").pluck().get() === 'true'
}

export interface LockState {
  locked: boolean
  changed: boolean
}

/** Admin keys without an expiry: only they keep a locked store openable for good. */
export function lastingAdminKeys(db: Db, except = ''): number {
  return db.prepare('SELECT count(*) FROM admin_keys WHERE expires_at IS NULL AND id <> ?').pluck().get(except) as number
}

/**
 * Locks the store: afterwards the local operator needs a credential, and only an admin key unlocks it. Refused
 * unless an admin key that never expires exists: once the last expiring key expired, nothing could unlock it.
 */
export function lockStore(ctx: Context): LockState {
  const operation = {function: 'admin', resource: '*', action: 'store.lock', target: 'store'}
  return mutate(ctx, operation, () => {
    requireGlobalAdmin(ctx, operation)
    const {db} = ctx.store
    if (isStoreLocked(db)) return {locked: true, changed: false}
    if (lastingAdminKeys(db) === 0) {
      throw new ConflictError('cannot lock a store that has no admin key that never expires: once its keys expired, nobody could unlock it', {
        hint: 'Create one first, without --ttl, and keep it somewhere safe: accessctl admin-key create --label break-glass',
      })
    }

    db.prepare("INSERT INTO settings (key, value) VALUES ('locked', 'true') ON CONFLICT (key) DO UPDATE SET value = 'true'").run()
    return {locked: true, changed: true}
  })
}

/** Unlocks the store; only an admin key may, since the lock exists to keep everyone else out. */
export function unlockStore(ctx: Context): LockState {
  if (ctx.caller.kind !== 'admin-key') {
    throw new DeniedError('permission denied: store unlock needs an admin key (--admin-key or ACCESSCTL_ADMIN_KEY)', {
      action: 'store.unlock',
      target: 'store',
    })
  }

  return mutate(ctx, 'store.unlock', 'store', () => {
    const changed = ctx.store.db.prepare("DELETE FROM settings WHERE key = 'locked'").run().changes === 1
    return {locked: false, changed}
  })
}
