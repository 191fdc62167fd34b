import {AccessctlCommand} from '../cli/base-command.js'
import {documentFlags, readDocument} from '../cli/document-input.js'
import {type PlanJson, planJson, renderPlan} from '../cli/plan-output.js'
import {planApply} from '../domain/declarative/apply.js'

/** Exit status of `diff` when the store differs from the document: apart from 0-6, so CI can tell drift from failure. */
export const CHANGES_PENDING_EXIT = 10

export type DiffResult = PlanJson

export default class Diff extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show what apply would change, changing nothing; exit 10 when the store differs.'
  static override description = `Prints the plan of 'apply -f FILE' (+ create, ~ change, - remove) without touching the store. Exit status: 0 when the store matches the document, ${CHANGES_PENDING_EXIT} when changes are pending (so CI can gate on drift), and the usual 2-6 on errors. The plan is not checked against the caller's rights: 'apply --dry-run' does that.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> -f access.yaml   # changes pending (exit 10); exit 0 when none',
    '<%= config.bin %> <%= command.id %> -f access.yaml --prune --json   # also what --prune would remove (exit 10)',
  ]

  static override flags = {...documentFlags}

  async run(): Promise<DiffResult> {
    const {flags} = await this.parse(Diff)
    const parsed = readDocument(flags.file)
    const ctx = await this.context(flags)
    const {changes} = planApply(ctx, parsed, {prune: flags.prune})
    if (changes.length === 0) this.say('no changes: the store matches the document')
    else {
      this.say(renderPlan(changes, 'pending'))
      process.exitCode = CHANGES_PENDING_EXIT
    }

    return planJson(changes, false)
  }
}
