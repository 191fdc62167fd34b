import {changeJson, describeChange} from '../core/declarative/describe.js'
import type {PlannedChange} from '../core/declarative/plan.js'
import {type Rendered, renderLines} from './output.js'

export interface PlanJson {
  changes: Array<Record<string, unknown>>
  summary: {create: number; change: number; remove: number}
  applied: boolean
}

export function planJson(changes: readonly PlannedChange[], applied: boolean): PlanJson {
  const summary = {create: 0, change: 0, remove: 0}
  for (const {change} of changes) summary[change.op]++
  return {changes: changes.map(({change}) => changeJson(change)), summary, applied}
}

/** One line per change, escaped, then the counts: `+ create`, `~ change` with old and new values, `- remove`. */
export function renderPlan(changes: readonly PlannedChange[], closing: string): Rendered {
  const {summary} = planJson(changes, false)
  return renderLines([
    ...changes.map(({change}) => describeChange(change)),
    `${closing}: ${summary.create} to create, ${summary.change} to change, ${summary.remove} to remove`,
  ])
}

/** Removals of whole objects, which only --prune makes: what the confirmation asks about. */
export function prunedObjects(changes: readonly PlannedChange[]): number {
  const objects = new Set(['group', 'account', 'service', 'infrastructure', 'deployment'])
  return changes.filter(({change, path}) => change.op === 'remove' && objects.has(change.kind) && path === undefined).length
}
