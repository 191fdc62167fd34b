import {AccessctlCommand} from '../../cli/base-command.js'
import {deploymentFields, deploymentIdArg} from '../../cli/deployer-views.js'
import {outputFlag, withFields} from '../../cli/output-shape.js'
import {type DeploymentDetails, getDeployment} from '../../domain/deployments.js'

export type DeploymentGetResult = DeploymentDetails

export default class DeploymentGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show one deployment.'
  static override description = `Shows the deployment's service, infrastructure, version, state and auth mode. Needs read on the service AND view on the infrastructure; otherwise it is reported as not found (exit 4).`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model-on-prod-eu', '<%= config.bin %> <%= command.id %> churn-model-on-prod-eu -o yaml']
  static override args = {id: deploymentIdArg}
  static override flags = {...outputFlag}

  async run(): Promise<DeploymentGetResult> {
    const {args, flags} = await this.parse(DeploymentGet)
    const deployment = getDeployment(await this.context(flags), args.id)
    const show = this.display()
    return this.show(deployment, {
      human: (wide) => withFields(deploymentFields(deployment, show), wide ? [['owner id', deployment.ownerAccountId], ['created by', deployment.createdBy]] : []),
      names: () => [deployment.id],
    })
  }
}
