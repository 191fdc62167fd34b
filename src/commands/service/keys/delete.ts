import {AccessctlCommand, yesFlag} from '../../../cli/base-command.js'
import {keyIdArg, serviceIdArg} from '../../../cli/deployer-views.js'
import {validateObjectId} from '../../../core/deployer.js'
import {type ApiKey, validateKeyId} from '../../../domain/api-keys.js'
import {deleteServiceKey} from '../../../domain/services.js'

export type ServiceKeysDeleteResult = ApiKey & {service: string}

export default class ServiceKeysDelete extends AccessctlCommand {
  static override summary = 'Delete a query key of an API service.'
  static override description = `Deletes the key; clients presenting it are refused from the next check on. Needs admin on the service. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model "$SERVICE_KEY_ID" --yes']
  static override args = {id: serviceIdArg, keyId: keyIdArg}
  static override flags = {...yesFlag}

  async run(): Promise<ServiceKeysDeleteResult> {
    const {args, flags} = await this.parse(ServiceKeysDelete)
    validateObjectId('service', args.id)
    validateKeyId(args.keyId, `accessctl service keys list ${args.id}`)
    const ctx = await this.context(flags)
    await this.confirm(`Delete key ${args.keyId} of service '${args.id}'?`, flags.yes, () =>
      deleteServiceKey(ctx, args.id, args.keyId),
    )
    const key = deleteServiceKey(ctx, args.id, args.keyId)
    this.say(`deleted key ${key.id}${key.label ? ` (${key.label})` : ''} of service '${key.service}'`)
    return key
  }
}
