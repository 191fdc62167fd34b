import {changeJson, describeChange} from '../core/declarative/describe.js'
import type {PlannedChange} from '../core/declarative/plan.js'
import {escapeControl} from '../core/text.js'
import {chalkFor, Rendered} from './output.js'

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

/**
 * One line per change, then the counts: `+ create` green, `~ change` yellow with old and new values, `- remove` red,
 * coloured only where chalkFor allows (a terminal, no NO_COLOR). Each line is escaped before it is coloured, so a
 * stored name can neither end the colour nor drive the terminal; the colour codes are the only controls in a line.
 */
export function renderPlan(changes: readonly PlannedChange[], closing: string, stream = process.stdout): Rendered {
  const {summary} = planJson(changes, false)
  const color = chalkFor(stream)
  const paint = {create: color.green, change: color.yellow, remove: color.red}
  return new Rendered(
    [
      ...changes.map(({change}) => paint[change.op](escapeControl(describeChange(change)))),
      escapeControl(`${closing}: ${summary.create} to create, ${summary.change} to change, ${summary.remove} to remove`),
    ].join('\n'),
  )
}

/** Removals of whole objects, which only --prune makes: what the confirmation asks about. */
export function prunedObjects(changes: readonly PlannedChange[]): number {
  const objects = new Set(['group', 'account', 'service', 'infrastructure', 'deployment'])
  return changes.filter(({change, path}) => change.op === 'remove' && objects.has(change.kind) && path === undefined).length
}
