import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {deploymentIdArg} from '../../cli/deployer-views.js'
import {deleteDeployment, type Deployment, getDeployment} from '../../domain/deployments.js'

export type DeploymentDeleteResult = Deployment

export default class DeploymentDelete extends AccessctlCommand {
  static override summary = 'Delete a deployment and its keys.'
  static override description = `Deletes the deployment; its keys go with it. Needs deploy on the service AND on the infrastructure. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model-on-dev-cluster --yes']
  static override args = {id: deploymentIdArg}
  static override flags = {...yesFlag}

  async run(): Promise<DeploymentDeleteResult> {
    const {args, flags} = await this.parse(DeploymentDelete)
    const ctx = await this.context(flags)
    const deployment = getDeployment(ctx, args.id)
    await this.confirm(`Delete deployment '${deployment.id}' (${deployment.service} on ${deployment.infrastructure})?`, flags.yes, () =>
      deleteDeployment(ctx, args.id),
    )
    const deleted = deleteDeployment(ctx, args.id)
    this.say(`deleted deployment: '${deleted.id}'`)
    return deleted
  }
}
