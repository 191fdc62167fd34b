import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {serviceColumns} from '../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../cli/list-flags.js'
import {renderPage} from '../../cli/page.js'
import type {PageOf} from '../../domain/context.js'
import {listServices, SERVICE_SORT_COLUMNS, type Service} from '../../domain/services.js'

export type ServiceListResult = PageOf<Service>

export default class ServiceList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the API services you may read.'
  static override description = `Lists services ordered by id, only those the caller may read (through its groups, including 'everyone', ownership or global admin; a token also needs 'get' on them). Piped, rows are tab-separated (id, public, owner, created) with no header.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --limit 20 --offset 40 --json',
    "<%= config.bin %> <%= command.id %> --name 'churn*' --sort created --order desc",
  ]
  static override flags = {...pageFlags, ...listFlags({matches: 'id', columns: SERVICE_SORT_COLUMNS, defaultSort: 'id', fullScan: ['created']})}

  async run(): Promise<ServiceListResult> {
    const {flags} = await this.parse(ServiceList)
    const page = listServices(await this.context(flags), {limit: flags.limit, offset: flags.offset, ...listQueryOf(flags)})
    this.say(renderPage(page, serviceColumns(this.display()), {headers: !flags['no-headers']}))
    return page
  }
}
