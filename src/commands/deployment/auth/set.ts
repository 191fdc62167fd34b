import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {deploymentIdArg} from '../../../cli/deployer-views.js'
import {AUTH_MODES} from '../../../core/deployer.js'
import {type Deployment, setDeploymentAuth} from '../../../domain/deployments.js'

export type DeploymentAuthSetResult = Deployment

export default class DeploymentAuthSet extends AccessctlCommand {
  static override summary = 'Choose how clients of a deployment authenticate.'
  static override description = `Sets the deployment's query authentication:
  inherit   follow the service: public, or one of the service's keys (the default)
  public    anyone may query it, no key needed
  api-keys  one of the deployment's own keys (deployment keys create)

A valid client token that grants consume on deployments is admitted in every mode. Needs deploy on the service AND on the infrastructure.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model-on-prod-eu --mode api-keys',
    '<%= config.bin %> <%= command.id %> churn-model-on-dev-cluster --mode public',
  ]

  static override args = {id: deploymentIdArg}
  static override flags = {
    mode: Flags.string({char: 'm', description: `The mode: ${AUTH_MODES.join(', ')}.`, options: [...AUTH_MODES], required: true}),
  }

  async run(): Promise<DeploymentAuthSetResult> {
    const {args, flags} = await this.parse(DeploymentAuthSet)
    const deployment = setDeploymentAuth(await this.context(flags), args.id, flags.mode)
    this.say(`deployment '${deployment.id}' auth mode: ${deployment.authMode}`)
    return deployment
  }
}
