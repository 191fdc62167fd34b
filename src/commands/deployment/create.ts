import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {createDeployment, type Deployment} from '../../domain/deployments.js'

export type DeploymentCreateResult = Deployment

export default class DeploymentCreate extends AccessctlCommand {
  static override summary = 'Deploy a version of an API service on an infrastructure.'
  static override description = `Creates a deployment, enabled, in 'inherit' auth mode (it follows the service's public setting and keys). Needs deploy on the service AND deploy on the infrastructure; the caller's account becomes the owner. The id defaults to SERVICE-on-INFRA and the version to the service's newest (by creation). A service without versions cannot be deployed (exit 4): add one first with service versions add.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --service churn-model --infra staging',
    '<%= config.bin %> <%= command.id %> --service churn-model --infra prod-eu --version v2 --id churn-prod',
  ]

  static override flags = {
    service: Flags.string({char: 's', description: 'The service to deploy.', required: true}),
    infra: Flags.string({char: 'I', description: 'The infrastructure to deploy on.', required: true}),
    version: Flags.string({char: 'v', description: "The service version to deploy. Defaults to the service's newest version."}),
    id: Flags.string({description: 'The deployment id. Defaults to SERVICE-on-INFRA.'}),
  }

  async run(): Promise<DeploymentCreateResult> {
    const {flags} = await this.parse(DeploymentCreate)
    const deployment = createDeployment(await this.context(flags), {
      service: flags.service,
      infra: flags.infra,
      version: flags.version,
      id: flags.id,
    })
    this.say(`created deployment: '${deployment.id}' (${deployment.service} ${deployment.version} on ${deployment.infrastructure})`)
    return deployment
  }
}
