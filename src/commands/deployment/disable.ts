import {AccessctlCommand} from '../../cli/base-command.js'
import {deploymentIdArg} from '../../cli/deployer-views.js'
import {type Deployment, setDeploymentEnabled} from '../../domain/deployments.js'

export type DeploymentDisableResult = Deployment & {changed: boolean}

export default class DeploymentDisable extends AccessctlCommand {
  static override summary = 'Disable a deployment.'
  static override description = `Refuses every client, whatever key or token it presents, until enabled again. Safe to repeat. Needs deploy on the service AND on the infrastructure.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model-on-prod-eu']
  static override args = {id: deploymentIdArg}

  async run(): Promise<DeploymentDisableResult> {
    const {args, flags} = await this.parse(DeploymentDisable)
    const deployment = setDeploymentEnabled(await this.context(flags), args.id, false)
    this.say(deployment.changed ? `disabled deployment: '${deployment.id}'` : `deployment '${deployment.id}' was already disabled`)
    return deployment
  }
}
