import {AccessctlCommand, yesFlag} from '../../../cli/base-command.js'
import {deploymentIdArg, keyIdArg} from '../../../cli/deployer-views.js'
import {validateObjectId} from '../../../core/deployer.js'
import {type ApiKey, validateKeyId} from '../../../domain/api-keys.js'
import {deleteDeploymentKey} from '../../../domain/deployments.js'

export type DeploymentKeysDeleteResult = ApiKey & {deployment: string}

export default class DeploymentKeysDelete extends AccessctlCommand {
  static override summary = 'Delete a query key of a deployment.'
  static override description = `Deletes the key; clients presenting it are refused from the next check on. Needs deploy on the service AND on the infrastructure. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model-on-prod-eu "$KEY_ID" --yes']
  static override args = {id: deploymentIdArg, keyId: keyIdArg}
  static override flags = {...yesFlag}

  async run(): Promise<DeploymentKeysDeleteResult> {
    const {args, flags} = await this.parse(DeploymentKeysDelete)
    validateObjectId('deployment', args.id)
    validateKeyId(args.keyId, `accessctl deployment keys list ${args.id}`)
    const ctx = await this.context(flags)
    await this.confirm(`Delete key ${args.keyId} of deployment '${args.id}'?`, flags.yes, () =>
      deleteDeploymentKey(ctx, args.id, args.keyId),
    )
    const key = deleteDeploymentKey(ctx, args.id, args.keyId)
    this.say(`deleted key ${key.id}${key.label ? ` (${key.label})` : ''} of deployment '${key.deployment}'`)
    return key
  }
}
