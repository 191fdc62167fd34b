import {AccessctlCommand} from '../../../cli/base-command.js'
import {descriptionFlag, labelFlag} from '../../../cli/flags.js'
import {Document} from '../../../cli/output.js'
import {createdKeyNote, deploymentIdArg} from '../../../cli/deployer-views.js'
import type {CreatedApiKey} from '../../../domain/api-keys.js'
import {createDeploymentKey} from '../../../domain/deployments.js'

export type DeploymentKeysCreateResult = CreatedApiKey & {deployment: string}

export default class DeploymentKeysCreate extends AccessctlCommand {
  static override summary = 'Create a query key for a deployment.'
  static override description = `Creates a key that clients present when the deployment is in 'api-keys' mode, so development and production can have different keys. The key (acdk_ followed by 43 random characters) is printed once, alone on stdout; only its SHA-256 is stored. Needs deploy on the service AND on the infrastructure.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model-on-prod-eu --label crm-backend',
    'KEY=$(<%= config.bin %> <%= command.id %> churn-model-on-prod-eu --label batch)',
  ]

  static override args = {id: deploymentIdArg}
  static override flags = {
    label: labelFlag('A short name for the key, shown in lists and in authorize answers'),
    description: descriptionFlag('What the key is for'),
  }

  async run(): Promise<DeploymentKeysCreateResult> {
    const {args, flags} = await this.parse(DeploymentKeysCreate)
    const key = createDeploymentKey(await this.context(flags), args.id, {label: flags.label, description: flags.description})
    this.printDocument(Document.credential(key.key))
    this.inform(createdKeyNote(key))
    return key
  }
}
