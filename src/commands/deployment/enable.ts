import {AccessctlCommand} from '../../cli/base-command.js'
import {deploymentIdArg} from '../../cli/deployer-views.js'
import {type Deployment, setDeploymentEnabled} from '../../domain/deployments.js'

export type DeploymentEnableResult = Deployment & {changed: boolean}

export default class DeploymentEnable extends AccessctlCommand {
  static override summary = 'Enable a deployment.'
  static override description = `Lets clients query the deployment again (subject to its auth mode). Safe to repeat. Needs deploy on the service AND on the infrastructure.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model-on-prod-eu']
  static override args = {id: deploymentIdArg}

  async run(): Promise<DeploymentEnableResult> {
    const {args, flags} = await this.parse(DeploymentEnable)
    const deployment = setDeploymentEnabled(await this.context(flags), args.id, true)
    this.say(deployment.changed ? `enabled deployment: '${deployment.id}'` : `deployment '${deployment.id}' was already enabled`)
    return deployment
  }
}
