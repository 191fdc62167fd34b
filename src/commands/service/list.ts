import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {serviceColumns} from '../../cli/deployer-views.js'
import {renderPage} from '../../cli/page.js'
import type {PageOf} from '../../domain/context.js'
import {listServices, type Service} from '../../domain/services.js'

export type ServiceListResult = PageOf<Service>

export default class ServiceList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the API services you may read.'
  static override description = `Lists services ordered by id, only those the caller may read (through its groups, including
'everyone', ownership or global admin; a token also needs 'get' on them). Piped, rows are tab-separated
(id, public, owner, created) with no header.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --limit 20 --offset 40 --json']
  static override flags = {...pageFlags}

  async run(): Promise<ServiceListResult> {
    const {flags} = await this.parse(ServiceList)
    const page = listServices(await this.context(flags), {limit: flags.limit, offset: flags.offset})
    this.say(renderPage(page, serviceColumns(this.display())))
    return page
  }
}
