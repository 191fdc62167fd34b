import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {infraIdArg, infraPermissionColumns} from '../../../cli/deployer-views.js'
import {pageOfList, renderPage} from '../../../cli/page.js'
import type {PageOf} from '../../../domain/context.js'
import {type InfraPermission, listInfraPermissions} from '../../../domain/infrastructures.js'

export type InfraPermissionsListResult = PageOf<InfraPermission> & {infrastructure: string}

export default class InfraPermissionsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List the groups' privileges on an infrastructure."
  static override description = `Shows each group's view, deploy and admin flags and what they add up to (admin implies deploy, deploy implies view). Needs view on the infrastructure.`

  static override examples = ['<%= config.bin %> <%= command.id %> prod-eu']
  static override args = {id: infraIdArg}
  static override flags = {...pageFlags}

  async run(): Promise<InfraPermissionsListResult> {
    const {args, flags} = await this.parse(InfraPermissionsList)
    const {infrastructure, permissions} = listInfraPermissions(await this.context(flags), args.id)
    const page = pageOfList(permissions, flags)
    this.say(renderPage(page, infraPermissionColumns))
    return {infrastructure, ...page}
  }
}
