import {nowIso} from '../core/ids.js'
import {type ListQuery, newestFirstUnlessSorted, orderByClause, validateGlob} from '../core/list-query.js'
import {redactSecrets} from '../core/redact.js'
import type {Db} from '../store/store.js'
import {type Operation, requireGlobalAdmin} from './access.js'
import {actorOf, type Context, type PageOf, pageOf} from './context.js'

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

/** Targets and details may quote what was typed; a key or a token typed by mistake is redacted, never logged. */
export function recordAudit(
  db: Db,
  entry: {actor: string; action: string; target?: string | null; outcome: AuditOutcome; detail?: string | null},
): void {
  db.prepare('INSERT INTO audit_log (at, actor, action, target, outcome, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
    nowIso(),
    entry.actor,
    entry.action,
    redacted(entry.target),
    entry.outcome,
    redacted(entry.detail),
  )
}

const redacted = (text: string | null | undefined): string | null => (text === undefined || text === null ? null : redactSecrets(text))

/**
 * Runs a change in one write transaction and records it in the audit log inside that same transaction, so the
 * log never claims a change that did not happen, nor misses one that did. `target` names what changed and may be
 * computed from the result (for example a new id). Never pass a secret as target or detail.
 */
export function mutate<T>(ctx: Context, action: string, target: string | null | ((result: T) => string | null), work: () => T): T
/** The change of an operation whose guard names it alike: refused or done, it is recorded under one action and target. */
export function mutate<T>(ctx: Context, operation: Operation, work: () => T): T
export function mutate<T>(
  ctx: Context,
  actionOrOperation: string | Operation,
  targetOrWork: string | null | ((result: T) => string | null) | (() => T),
  maybeWork?: () => T,
): T {
  const [action, target, work] =
    typeof actionOrOperation === 'string'
      ? [actionOrOperation, targetOrWork as string | null | ((result: T) => string | null), maybeWork!]
      : [actionOrOperation.action, actionOrOperation.target ?? null, targetOrWork as () => T]
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

export interface AuditFilter {
  since?: Date
  /** Exact actor (`admin-key:<id>`), or a kind (`operator`, `admin-key`, `account`) for all of that kind. */
  actor?: string
  /** Exact action (`accounts.delete`), or a topic (`accounts`) for all its actions. */
  action?: string
  outcome?: AuditOutcome
  /** A glob on the target (`service:churn*`); entries without a target never match it. */
  target?: string
  limit: number
  offset: number
}

/**
 * The fields `audit list --sort` takes. Time is the order entries were written (the row id, which a clock set back
 * cannot reorder) and walks the primary key; the others sort every matching row.
 */
export const AUDIT_SORT_COLUMNS = {time: 'id', actor: 'actor', action: 'action', target: 'target', outcome: 'outcome'} as const

/** Newest first unless sorted otherwise, filtered and paged in SQL on indexed columns. */
export function listAudit(ctx: Context, filter: AuditFilter & ListQuery): PageOf<AuditEntry> {
  const orderBy = orderByClause(AUDIT_SORT_COLUMNS, newestFirstUnlessSorted(filter), 'time', 'id')
  return ctx.store.read(() => {
    requireAuditReader(ctx)
    const {where, params} = auditWhere(filter)
    const rows = ctx.store.db
      .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ${whereClause(where)} ORDER BY ${orderBy} LIMIT ? OFFSET ?`)
      .iterate(...params, filter.limit + 1, filter.offset) as IterableIterator<AuditEntry>
    return pageOf(rows, filter)
  })
}

/** Where a follower of the audit trail starts: the page the filter selects, and the last row written so far. */
export interface AuditFollowStart {
  page: PageOf<AuditEntry>
  /** The newest row's id when the page was read (0 for an empty trail): the follower shows only rows after it. */
  lastId: number
}

/**
 * The page, and the id that rows written after it will exceed, from one snapshot: a row committed between the two
 * reads would otherwise be shown twice or never. The last id is the trail's, not the page's, so rows the filter or
 * --offset left out are not shown later as if they were new.
 */
export function startAuditFollow(ctx: Context, filter: AuditFilter): AuditFollowStart {
  return ctx.store.read(() => {
    const page = listAudit(ctx, filter)
    const lastId = ctx.store.db.prepare('SELECT coalesce(max(id), 0) FROM audit_log').pluck().get() as number
    return {page, lastId}
  })
}

/** New rows of the trail, and how far they were looked for. */
export interface AuditAfter {
  /** Oldest first. */
  rows: AuditEntry[]
  /** The id to look after next time: the last row read, or the newest row of the trail once all were read. */
  readTo: number
}

/**
 * Up to `limit` rows written after the row `afterId` that the filter selects, oldest first. It walks the primary
 * key from `afterId` (the filter's indexes are kept out: they would scan every row of an actor or an action ever
 * written, on each call), and when it reached the end of the trail, `readTo` moves past the rows the filter left
 * out too, so a filter that matches nothing does not walk the same rows again. The caller's right to read the trail
 * is asked again, so a follower whose rights were taken away stops.
 */
export function auditAfter(ctx: Context, filter: Omit<AuditFilter, 'limit' | 'offset'>, afterId: number, limit: number): AuditAfter {
  return ctx.store.read(() => {
    requireAuditReader(ctx)
    const newest = ctx.store.db.prepare('SELECT coalesce(max(id), 0) FROM audit_log').pluck().get() as number
    const {where, params} = auditWhere(filter)
    where.unshift('id > ? AND id <= ?')
    params.unshift(afterId, newest)
    const rows = ctx.store.db
      .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log NOT INDEXED ${whereClause(where)} ORDER BY id LIMIT ?`)
      .all(...params, limit) as AuditEntry[]
    return {rows, readTo: rows.length === limit ? rows.at(-1)!.id : Math.max(afterId, newest)}
  })
}

const AUDIT_COLUMNS = 'id, at, actor, action, target, outcome, detail'

function requireAuditReader(ctx: Context): void {
  requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'audit.list'})
}

const whereClause = (where: readonly string[]) => (where.length > 0 ? `WHERE ${where.join(' AND ')}` : '')

function auditWhere(filter: Omit<AuditFilter, 'limit' | 'offset'>): {where: string[]; params: unknown[]} {
  const where: string[] = []
  const params: unknown[] = []
  if (filter.since) {
    where.push('at >= ?')
    params.push(filter.since.toISOString())
  }

  if (filter.actor !== undefined) {
    if (filter.actor.includes(':')) {
      where.push('actor = ?')
      params.push(filter.actor)
    } else {
      where.push('actor >= ? AND actor < ?')
      params.push(`${filter.actor}:`, `${filter.actor};`)
    }
  }

  if (filter.action !== undefined) {
    where.push('(action = ? OR (action >= ? AND action < ?))')
    params.push(filter.action, `${filter.action}.`, `${filter.action}/`)
  }

  if (filter.outcome !== undefined) {
    where.push('outcome = ?')
    params.push(filter.outcome)
  }

  if (filter.target !== undefined) {
    where.push('target GLOB ?')
    params.push(validateGlob(filter.target, '--target'))
  }

  return {where, params}
}
