import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {serviceColumns} from '../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import type {PageOf} from '../../domain/context.js'
import {countsOfServices, listServices, SERVICE_SORT_COLUMNS, type Service, type ServiceCounts} from '../../domain/services.js'

export type ServiceListResult = PageOf<Service>

export default class ServiceList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the API services you may read.'
  static override description = `Lists services ordered by id, only those the caller may read (through its groups, including 'everyone', ownership or global admin; a token also needs 'get' on them). Piped, rows are tab-separated (id, public, owner, created) with no header.`

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --limit 20 --offset 40 --json',
    "<%= config.bin %> <%= command.id %> --name 'churn*' --sort created --order desc",
    '<%= config.bin %> <%= command.id %> -o name   # one id a line, as service get takes it',
    "<%= config.bin %> <%= command.id %> -o jsonpath='$.items[?@.public == false].id'",
  ]
  static override flags = {...pageFlags, ...outputFlag, ...listFlags({matches: 'id', columns: SERVICE_SORT_COLUMNS, defaultSort: 'id', fullScan: ['created']})}

  async run(): Promise<ServiceListResult> {
    const {flags} = await this.parse(ServiceList)
    const ctx = await this.context(flags)
    const page = listServices(ctx, {limit: flags.limit, offset: flags.offset, ...listQueryOf(flags)})
    const show = this.display()
    // Counted only for -o wide, the one shape that shows them: the --json document stays the page of services.
    let counted: Map<string, ServiceCounts> | undefined
    const count = (s: Service, field: keyof ServiceCounts) => String((counted ??= countsOfServices(ctx, page.items.map((item) => item.id))).get(s.id)?.[field] ?? '')
    const wide = [
      {header: 'VERSIONS', value: (s: Service) => count(s, 'versions')},
      {header: 'KEYS', value: (s: Service) => count(s, 'keys')},
      {header: 'DEPLOYMENTS', value: (s: Service) => count(s, 'deployments')},
      {header: 'CREATED BY', value: (s: Service) => show.actor(s.createdBy)},
    ]
    return this.show(page, pageViews(page, {columns: serviceColumns(show), wide, name: (s) => s.id}))
  }
}
