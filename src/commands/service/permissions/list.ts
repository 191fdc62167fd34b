import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {serviceIdArg, servicePermissionColumns} from '../../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import {pageOfList} from '../../../cli/page.js'
import type {PageOf} from '../../../domain/context.js'
import {listServicePermissions, SERVICE_PERMISSION_SORT_COLUMNS, type ServicePermission} from '../../../domain/services.js'

export type ServicePermissionsListResult = PageOf<ServicePermission> & {service: string; owner: string | null}

export default class ServicePermissionsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List the groups' privileges on an API service."
  static override description = `Shows each group's read, write, deploy and admin flags on the service and what they add up to (admin implies write, deploy and read; write and deploy imply read). The owner holds admin besides these rows. Needs read on the service.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model', "<%= config.bin %> <%= command.id %> churn-model --name 'dev*' --sort deploy --order desc"]
  static override args = {id: serviceIdArg}
  static override flags = {...pageFlags, ...outputFlag, ...listFlags({matches: "group's name", columns: SERVICE_PERMISSION_SORT_COLUMNS, defaultSort: 'group'})}

  async run(): Promise<ServicePermissionsListResult> {
    const {args, flags} = await this.parse(ServicePermissionsList)
    const {service, owner, permissions} = listServicePermissions(await this.context(flags), args.id, listQueryOf(flags))
    const page = pageOfList(permissions, flags)
    // A permission row shows all it holds: wide has nothing to add.
    const table = pageViews(page, {columns: servicePermissionColumns, name: (p) => p.group})
    const show = this.display()
    return this.show({service, owner, ...page}, {
      ...table,
      human: (wide, headers) => {
        if (owner) this.say(`owner: ${show.account(owner)} (admin)`)
        return table.human(wide, headers)
      },
    })
  }
}
