import {AccessctlCommand} from '../../../cli/base-command.js'
import {serviceIdArg, servicePermissionTable} from '../../../cli/deployer-views.js'
import {listServicePermissions, type ServicePermissions} from '../../../domain/services.js'

export default class ServicePermissionsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List the groups' privileges on an API service."
  static override description = `Shows each group's read, write, deploy and admin flags on the service and what they add up to
(admin implies write, deploy and read; write and deploy imply read). The owner holds admin besides these rows.
Needs read on the service.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model']
  static override args = {id: serviceIdArg}

  async run(): Promise<ServicePermissions> {
    const {args, flags} = await this.parse(ServicePermissionsList)
    const result = listServicePermissions(await this.context(flags), args.id)
    if (result.owner) this.say(`owner: ${result.owner} (admin)`)
    this.say(servicePermissionTable(result.permissions))
    return result
  }
}
