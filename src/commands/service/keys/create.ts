import {AccessctlCommand} from '../../../cli/base-command.js'
import {descriptionFlag, labelFlag} from '../../../cli/flags.js'
import {Document} from '../../../cli/output.js'
import {createdKeyNote, serviceIdArg} from '../../../cli/deployer-views.js'
import type {CreatedApiKey} from '../../../domain/api-keys.js'
import {createServiceKey} from '../../../domain/services.js'

export type ServiceKeysCreateResult = CreatedApiKey & {service: string}

export default class ServiceKeysCreate extends AccessctlCommand {
  static override summary = 'Create a query key for an API service.'
  static override description = `Creates a key that clients present to query the service's deployments in 'inherit' mode when the service is not public. The key (acsk_ followed by 43 random characters) is printed once, alone on stdout; only its SHA-256 is stored. Needs admin on the service.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model --label crm-backend',
    'KEY=$(<%= config.bin %> <%= command.id %> churn-model --label batch --description "nightly scoring job")',
  ]

  static override args = {id: serviceIdArg}
  static override flags = {
    label: labelFlag('A short name for the key, shown in lists and in authorize answers'),
    description: descriptionFlag('What the key is for'),
  }

  async run(): Promise<ServiceKeysCreateResult> {
    const {args, flags} = await this.parse(ServiceKeysCreate)
    const key = createServiceKey(await this.context(flags), args.id, {label: flags.label, description: flags.description})
    this.printDocument(Document.credential(key.key))
    this.inform(createdKeyNote(key))
    return key
  }
}
