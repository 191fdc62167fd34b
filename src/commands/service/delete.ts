import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {serviceIdArg} from '../../cli/deployer-views.js'
import {deleteService, getService, type Service} from '../../domain/services.js'

export type ServiceDeleteResult = Service

export default class ServiceDelete extends AccessctlCommand {
  static override summary = 'Delete an API service with its versions, keys and permissions.'
  static override description = `Deletes the service. Refused (exit 5) while it has deployments: delete those first. Needs admin on the service. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> legacy-model --yes',
    '<%= config.bin %> <%= command.id %> churn-model --yes   # refused while it has deployments (exit 5)',
  ]
  static override args = {id: serviceIdArg}
  static override flags = {...yesFlag}

  async run(): Promise<ServiceDeleteResult> {
    const {args, flags} = await this.parse(ServiceDelete)
    const ctx = await this.context(flags)
    const service = getService(ctx, args.id)
    await this.confirm(`Delete service '${service.id}' with its ${service.versionCount} version(s) and ${service.keyCount} key(s)?`, flags.yes, () =>
      deleteService(ctx, args.id),
    )
    const deleted = deleteService(ctx, args.id)
    this.say(`deleted service: '${deleted.id}'`)
    return deleted
  }
}
