import {AccessctlCommand} from '../../../cli/base-command.js'
import {deploymentIdArg, keyTable} from '../../../cli/deployer-views.js'
import type {AuthMode} from '../../../core/deployer.js'
import type {ApiKey} from '../../../domain/api-keys.js'
import {listDeploymentKeys} from '../../../domain/deployments.js'

export default class DeploymentKeysList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List a deployment's query keys (never the keys themselves)."
  static override description = 'Lists the id, label and creation of each key. Needs read on the service AND view on the infrastructure.'
  static override examples = ['<%= config.bin %> <%= command.id %> churn-model-on-prod-eu']
  static override args = {id: deploymentIdArg}

  async run(): Promise<{deployment: string; authMode: AuthMode; keys: ApiKey[]}> {
    const {args, flags} = await this.parse(DeploymentKeysList)
    const result = listDeploymentKeys(await this.context(flags), args.id)
    this.say(keyTable(result.keys))
    return result
  }
}
