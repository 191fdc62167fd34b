import type {ParsedDocument} from '../../core/declarative/parse.js'
import {computePlan, type PlannedChange} from '../../core/declarative/plan.js'
import {DocumentError} from '../../core/declarative/yaml-document.js'
import {AccessctlError, ConflictError, DeniedError, NotFoundError, StoreError, UsageError} from '../../errors.js'
import {reuseStatements, type Store} from '../../store/store.js'
import type {Context} from '../context.js'
import {carryOut, type Refused} from './apply-changes.js'
import {readSeenState, visibleIds} from './declared-state.js'

/**
 * `apply` and `diff` over the store. The plan is computed from one bulk read of the store (declared-state.ts); it is
 * carried out change by change through the same domain functions as the matching commands (apply-changes.ts), so
 * each change is checked (the caller's rights, a token's grants) and audited exactly as that command would be, all
 * inside ONE write transaction, and any refused change rolls the whole apply back.
 */

export interface PlanResult {
  changes: PlannedChange[]
}

export interface ApplyResult extends PlanResult {
  /** False for a dry run (and for an empty plan, which writes nothing at all). */
  applied: boolean
}

function plan(ctx: Context, parsed: ParsedDocument, prune: boolean): PlannedChange[] {
  const current = readSeenState(ctx)
  const {changes, problems} = computePlan(parsed.state, current, {prune, prunable: prune ? visibleIds(ctx) : undefined})
  if (problems.length > 0) throw new DocumentError(problems.slice(0, 20).map(parsed.locate).join('\n'))
  return changes
}

/** The plan alone, from one read transaction: nothing is checked against the caller's rights, nothing written. */
export function planApply(ctx: Context, parsed: ParsedDocument, options: {prune: boolean}): PlanResult {
  return {changes: ctx.store.read(() => plan(ctx, parsed, options.prune))}
}

/** Thrown to roll a dry run back once every change went through. */
class DryRunDone extends Error {
  constructor(readonly changes: PlannedChange[]) {
    super('dry run')
  }
}

/**
 * Applies the document: plans again inside the write transaction (the store may have changed since the plan was
 * shown), carries out every change, and commits only when all of them went through. Refused changes are all
 * listed, with their lines; with any of them nothing is written but the denial's audit row. A dry run does all of
 * it and rolls back, so it reports what a real run would refuse. An empty plan never opens a write transaction.
 */
export function applyDocument(ctx: Context, parsed: ParsedDocument, options: {prune: boolean; dryRun: boolean}): ApplyResult {
  const {store} = ctx
  let seen = -1
  const first = store.read(() => {
    seen = store.dataVersion()
    return plan(ctx, parsed, options.prune)
  })
  if (first.length === 0) return {changes: [], applied: false}
  // A bigger page cache keeps the indexes a large apply grows in memory instead of spilling them mid-transaction.
  store.db.pragma('cache_size = -8192')
  // The domain prepares its statements per call; over thousands of changes, preparing (and the native memory of
  // statements waiting for the garbage collector) cost more than running them.
  reuseStatements(store.db)
  // Inside the one transaction each domain change runs directly, not in a savepoint of its own: a refused change
  // fails the whole apply, which rolls everything back, so there is nothing to undo change by change.
  const inside: Context = {caller: ctx.caller, store: Object.create(store, {write: {value: <T>(work: () => T): T => work()}}) as Store}
  try {
    const changes = store.write(() => {
      // Planned again only when another process committed since the plan was made (data_version moved).
      const planned = store.dataVersion() === seen ? first : plan(ctx, parsed, options.prune)
      const refused = carryOut(inside, planned)
      if (refused.length > 0) throw refusal(refused, parsed)
      if (options.dryRun) throw new DryRunDone(planned)
      return planned
    })
    return {changes, applied: true}
  } catch (error) {
    if (error instanceof DryRunDone) return {changes: error.changes, applied: false}
    throw error
  }
}

/** All refusals in one error: a denial (exit 3, audited) when any change was denied, else the first one's kind. */
function refusal(refused: Refused[], parsed: ParsedDocument): AccessctlError {
  const lines = refused.map(({planned, error}) => {
    const what = `${planned.change.op} ${planned.change.kind} ${planned.change.target}: ${error.message}`
    return `  ${planned.path ? parsed.locate({path: planned.path, message: what}) : what}`
  })
  const message = `nothing was applied: ${refused.length} change${refused.length === 1 ? ' was' : 's were'} refused\n${lines.join('\n')}`
  const denied = refused.some(({error}) => error instanceof DeniedError)
  if (denied) return new DeniedError(message, {action: 'apply'})
  const {exitCode} = refused[0].error
  if (exitCode === 4) return new NotFoundError(message)
  if (exitCode === 5) return new ConflictError(message)
  if (exitCode === 6) return new StoreError(message)
  return new UsageError(message)
}
