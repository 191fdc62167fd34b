import {MAX_SUGGESTIONS, nearestNames} from '../core/suggest.js'
import {DeniedError, type Lookup} from '../errors.js'
import type {Db} from '../store/store.js'
import {requireGlobalAdmin} from './access.js'
import {seesAccount} from './accounts.js'
import type {Context} from './context.js'
import {deploymentVisibleFilter, infraViewableFilter, serviceReadableFilter, type SqlFilter} from './object-access.js'

/**
 * How many rows each candidate query may return. A "did you mean" must stay cheap on a store of 100,000 services:
 * only names of about the typed length are read, those sharing its first letter through the primary key's index
 * first, and never more than this many per query.
 */
const CANDIDATES_PER_QUERY = 2000

/** The tables a lookup searches: the column that was typed, and how the caller's visibility reads in SQL. */
interface Source {
  from: string
  column: string
  visible: SqlFilter
}

/**
 * The objects of the looked-up kind nearest to what was typed, at most three, only among those the caller may see:
 * a hint must never name an object the caller would be told does not exist (issue 17). Account ids and names are
 * both looked up, but only names are suggested, as a mistyped 32-digit id is not what anyone means by a near one.
 */
export function suggestNames(ctx: Context, lookup: Lookup): string[] {
  return ctx.store.read(() => {
    const {db} = ctx.store
    switch (lookup.kind) {
      case 'service': {
        return nearestNames(lookup.typed, candidates(db, lookup.typed, {from: 'services s', column: 's.id', visible: serviceReadableFilter(ctx, 's')}))
      }

      case 'infrastructure': {
        const source = {from: 'infrastructures i', column: 'i.id', visible: infraViewableFilter(ctx, 'i')}
        return nearestNames(lookup.typed, candidates(db, lookup.typed, source))
      }

      case 'deployment': {
        const source = {from: 'deployments d JOIN services s ON s.id = d.service_id', column: 'd.id', visible: deploymentVisibleFilter(ctx)}
        return nearestNames(lookup.typed, candidates(db, lookup.typed, source))
      }

      case 'group': {
        if (!maySeeGroups(ctx)) return []
        return nearestNames(lookup.typed, candidates(db, lookup.typed, {from: 'groups g', column: 'g.name', visible: {sql: '1 = 1', params: []}}))
      }

      case 'account': {
        const ids = new Map<string, string>()
        for (const row of candidateRows(db, lookup.typed, {from: 'accounts a', column: 'a.name', visible: {sql: '1 = 1', params: []}}, 'a.id')) {
          ids.set(row.value, row.id!)
        }

        // Every account is a candidate in SQL (whom a token sees is decided per account), so the nearest are checked
        // one by one, nearest first, until three are seen.
        const nearest = nearestNames(lookup.typed, ids.keys(), Number.POSITIVE_INFINITY)
        const seen: string[] = []
        for (const name of nearest) {
          if (seen.length === MAX_SUGGESTIONS) break
          if (seesAccount(ctx, ids.get(name)!)) seen.push(name)
        }

        return seen
      }
    }
  })
}

/** Group names are listed to global administrators only (groups list); nobody else gets them as hints. */
function maySeeGroups(ctx: Context): boolean {
  try {
    requireGlobalAdmin(ctx, {function: 'get', resource: 'groups', action: 'groups.list'})
    return true
  } catch (error) {
    if (error instanceof DeniedError) return false
    throw error
  }
}

function candidates(db: Db, typed: string, source: Source): string[] {
  return candidateRows(db, typed, source).map((row) => row.value)
}

/**
 * Visible values of about the typed length: those that begin with its first letter (a range of the index), then any
 * others. A typo in the first letter is still found, among the first CANDIDATES_PER_QUERY of that length.
 */
function candidateRows(db: Db, typed: string, source: Source, idColumn?: string): Array<{value: string; id?: string}> {
  if (typed === '') return []
  const shortest = Math.max(1, Math.floor((typed.length * 2) / 3) - 1)
  const longest = Math.ceil(typed.length * 1.5) + 1
  const select = `SELECT ${source.column} AS value${idColumn === undefined ? '' : `, ${idColumn} AS id`} FROM ${source.from}`
  const sized = `length(${source.column}) BETWEEN ? AND ? AND (${source.visible.sql})`
  const first = String.fromCodePoint(typed.codePointAt(0)!)
  const afterFirst = String.fromCodePoint(typed.codePointAt(0)! + 1)
  const rows = new Map<string, {value: string; id?: string}>()
  const add = (found: Array<{value: string; id?: string}>) => {
    for (const row of found) rows.set(row.value, row)
  }

  add(
    db
      .prepare(`${select} WHERE ${source.column} >= ? AND ${source.column} < ? AND ${sized} LIMIT ?`)
      .all(first, afterFirst, shortest, longest, ...source.visible.params, CANDIDATES_PER_QUERY) as Array<{value: string; id?: string}>,
  )
  add(db.prepare(`${select} WHERE ${sized} LIMIT ?`).all(shortest, longest, ...source.visible.params, CANDIDATES_PER_QUERY) as Array<{value: string; id?: string}>)
  return [...rows.values()]
}
