import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {serviceIdArg, versionColumns} from '../../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import type {PageOf} from '../../../domain/context.js'
import {listVersions, type ServiceVersion, VERSION_SORT_COLUMNS} from '../../../domain/service-versions.js'

export type ServiceVersionsListResult = PageOf<ServiceVersion>

export default class ServiceVersionsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List an API service's versions, newest first."
  static override description = 'Lists the versions with the size and SHA-256 of their archives, if recorded. Needs read on the service.'
  static override examples = ['<%= config.bin %> <%= command.id %> churn-model', '<%= config.bin %> <%= command.id %> churn-model --json', "<%= config.bin %> <%= command.id %> churn-model --name 'v[12]' --sort version"]
  static override args = {id: serviceIdArg}
  static override flags = {
    ...pageFlags,
    ...outputFlag,
    ...listFlags({matches: 'version', columns: VERSION_SORT_COLUMNS, defaultSort: 'created', newestFirst: true}),
  }

  async run(): Promise<ServiceVersionsListResult> {
    const {args, flags} = await this.parse(ServiceVersionsList)
    const page = listVersions(await this.context(flags), args.id, {limit: flags.limit, offset: flags.offset, ...listQueryOf(flags)})
    const show = this.display()
    const wide = [{header: 'CREATED BY', value: (v: ServiceVersion) => show.actor(v.createdBy)}]
    return this.show(page, pageViews(page, {columns: versionColumns(show), wide, name: (v) => v.version}))
  }
}
