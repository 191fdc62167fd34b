import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {deploymentIdArg} from '../../cli/deployer-views.js'
import {type Deployment, updateDeployment} from '../../domain/deployments.js'

export type DeploymentUpdateResult = Deployment

export default class DeploymentUpdate extends AccessctlCommand {
  static override summary = 'Move a deployment to another version of its service.'
  static override description = 'Changes the deployed version; it must exist. Needs deploy on the service AND on the infrastructure.'
  static override examples = ['<%= config.bin %> <%= command.id %> churn-model-on-prod-eu --version v3']
  static override args = {id: deploymentIdArg}
  static override flags = {version: Flags.string({char: 'v', description: 'The service version to deploy.', required: true})}

  async run(): Promise<DeploymentUpdateResult> {
    const {args, flags} = await this.parse(DeploymentUpdate)
    const deployment = updateDeployment(await this.context(flags), args.id, {version: flags.version})
    this.say(`updated deployment: '${deployment.id}' now runs ${deployment.service} ${deployment.version}`)
    return deployment
  }
}
