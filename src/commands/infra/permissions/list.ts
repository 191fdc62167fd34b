import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {infraIdArg, infraPermissionColumns} from '../../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import {pageOfList} from '../../../cli/page.js'
import type {PageOf} from '../../../domain/context.js'
import {INFRA_PERMISSION_SORT_COLUMNS, type InfraPermission, listInfraPermissions} from '../../../domain/infrastructures.js'

export type InfraPermissionsListResult = PageOf<InfraPermission> & {infrastructure: string}

export default class InfraPermissionsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List the groups' privileges on an infrastructure."
  static override description = `Shows each group's view, deploy and admin flags and what they add up to (admin implies deploy, deploy implies view). Needs view on the infrastructure.`

  static override examples = ['<%= config.bin %> <%= command.id %> prod-eu', "<%= config.bin %> <%= command.id %> prod-eu --name 'dev*' --sort view --order desc"]
  static override args = {id: infraIdArg}
  static override flags = {...pageFlags, ...outputFlag, ...listFlags({matches: "group's name", columns: INFRA_PERMISSION_SORT_COLUMNS, defaultSort: 'group'})}

  async run(): Promise<InfraPermissionsListResult> {
    const {args, flags} = await this.parse(InfraPermissionsList)
    const {infrastructure, permissions} = listInfraPermissions(await this.context(flags), args.id, listQueryOf(flags))
    const page = pageOfList(permissions, flags)
    // A permission row shows all it holds: wide has nothing to add.
    return this.show({infrastructure, ...page}, pageViews(page, {columns: infraPermissionColumns, name: (p) => p.group}))
  }
}
