import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {deploymentIdArg, keyColumns} from '../../../cli/deployer-views.js'
import {globFlag, listQueryOf, sortFlags} from '../../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import {pageOfList} from '../../../cli/page.js'
import type {AuthMode} from '../../../core/deployer.js'
import {API_KEY_SORT_COLUMNS, type ApiKey} from '../../../domain/api-keys.js'
import type {PageOf} from '../../../domain/context.js'
import {listDeploymentKeys} from '../../../domain/deployments.js'

export type DeploymentKeysListResult = PageOf<ApiKey> & {deployment: string; authMode: AuthMode}

export default class DeploymentKeysList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List a deployment's query keys (never the keys themselves)."
  static override description = 'Lists the id, label and creation of each key. Needs read on the service AND view on the infrastructure.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model-on-prod-eu',
    "<%= config.bin %> <%= command.id %> churn-model-on-prod-eu --label 'bill*' --sort label --no-headers",
  ]

  static override args = {id: deploymentIdArg}
  static override flags = {...pageFlags, ...outputFlag, ...sortFlags({columns: API_KEY_SORT_COLUMNS, defaultSort: 'created'}), label: globFlag('label', "key's label")}

  async run(): Promise<DeploymentKeysListResult> {
    const {args, flags} = await this.parse(DeploymentKeysList)
    const {deployment, authMode, keys} = listDeploymentKeys(await this.context(flags), args.id, listQueryOf(flags))
    const page = pageOfList(keys, flags)
    const views = pageViews(page, {columns: keyColumns(this.display()), wide: [{header: 'DESCRIPTION', value: (k) => k.description ?? '-'}], name: (k) => k.id})
    return this.show({deployment, authMode, ...page}, views)
  }
}
