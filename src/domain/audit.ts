import {nowIso} from '../core/ids.js'
import type {Db} from '../store/store.js'
import {actorOf, type Context} from './context.js'

export type AuditOutcome = 'ok' | 'denied'

export interface AuditEntry {
  id: number
  at: string
  actor: string
  action: string
  target: string | null
  outcome: AuditOutcome
  detail: string | null
}

export function recordAudit(
  db: Db,
  entry: {actor: string; action: string; target?: string | null; outcome: AuditOutcome; detail?: string | null},
): void {
  db.prepare('INSERT INTO audit_log (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    nowIso(),
    entry.actor,
    entry.action,
    entry.target ?? null,
    entry.outcome,
    entry.detail ?? null,
  )
}

/**
 * Runs a change in one write transaction and records it in the audit log inside that same transaction, so the
 * log never claims a change that did not happen, nor misses one that did. `target` names what changed and may be
 * computed from the result (for example a new id). Never pass a secret as target or detail.
 */
export function mutate<T>(
  ctx: Context,
  action: string,
  target: string | null | ((result: T) => string | null),
  work: () => T,
): T {
  return ctx.store.write(() => {
    const result = work()
    recordAudit(ctx.store.db, {
      actor: actorOf(ctx.caller),
      action,
      target: typeof target === 'function' ? target(result) : target,
      outcome: 'ok',
    })
    return result
  })
}
