import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {serviceIdArg, servicePermissionColumns} from '../../../cli/deployer-views.js'
import {pageOfList, renderPage} from '../../../cli/page.js'
import type {PageOf} from '../../../domain/context.js'
import {listServicePermissions, type ServicePermission} from '../../../domain/services.js'

export type ServicePermissionsListResult = PageOf<ServicePermission> & {service: string; owner: string | null}

export default class ServicePermissionsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List the groups' privileges on an API service."
  static override description = `Shows each group's read, write, deploy and admin flags on the service and what they add up to (admin implies write, deploy and read; write and deploy imply read). The owner holds admin besides these rows. Needs read on the service.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model']
  static override args = {id: serviceIdArg}
  static override flags = {...pageFlags}

  async run(): Promise<ServicePermissionsListResult> {
    const {args, flags} = await this.parse(ServicePermissionsList)
    const {service, owner, permissions} = listServicePermissions(await this.context(flags), args.id)
    const page = pageOfList(permissions, flags)
    if (owner) this.say(`owner: ${this.display().account(owner)} (admin)`)
    this.say(renderPage(page, servicePermissionColumns))
    return {service, owner, ...page}
  }
}
