import {Flags} from '@oclif/core'

import {AccessctlCommand, yesFlag} from '../cli/base-command.js'
import {documentFlags, readDocument} from '../cli/document-input.js'
import {type PlanJson, planJson, prunedObjects, renderPlan} from '../cli/plan-output.js'
import {applyDocument, planApply} from '../domain/declarative/apply.js'

export type ApplyResult = PlanJson

export default class Apply extends AccessctlCommand {
  static override summary = 'Make the store match a document of groups, accounts, services, infrastructures and deployments.'
  static override description = `Reads the document (YAML or JSON; several YAML documents in one stream are one), prints the changes as a plan (+ create, ~ change with old and new values, - remove) and applies them all in one transaction, each checked and audited as the matching command would be: if any is refused, nothing is applied and every refused change is listed. Applying the same document again changes nothing and writes nothing. Objects the document does not name are left alone unless --prune (only of the kinds the document names; asks first on a terminal, needs --yes without one). Secrets are never part of the document. See docs/declarative.md.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> -f access.yaml',
    '<%= config.bin %> <%= command.id %> -f access.yaml --dry-run',
    '<%= config.bin %> <%= command.id %> -f access.yaml --prune --yes',
    `<%= config.bin %> <%= command.id %> -f - <<EOF
apiVersion: accessctl/v1
groups:
  - name: devops
EOF`,
  ]

  static override flags = {
    ...documentFlags,
    'dry-run': Flags.boolean({description: 'Check every change (rights included) and print the plan, then roll back: nothing changes.'}),
    ...yesFlag,
  }

  async run(): Promise<ApplyResult> {
    const {flags} = await this.parse(Apply)
    const parsed = readDocument(flags.file)
    const ctx = await this.context(flags)
    const dryRun = flags['dry-run']
    if (flags.prune && !dryRun) {
      const pruned = prunedObjects(planApply(ctx, parsed, {prune: true}).changes)
      if (pruned > 0) await this.confirm(`Remove ${pruned} object${pruned === 1 ? '' : 's'} that the document does not name?`, flags.yes)
    }

    const result = applyDocument(ctx, parsed, {prune: flags.prune, dryRun})
    if (result.changes.length === 0) this.say('no changes: the store already matches the document')
    else this.say(renderPlan(result.changes, dryRun ? 'dry run, nothing changed' : 'applied'))
    return planJson(result.changes, result.applied)
  }
}
