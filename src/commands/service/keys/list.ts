import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {keyColumns, serviceIdArg} from '../../../cli/deployer-views.js'
import {globFlag, listQueryOf, sortFlags} from '../../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import {pageOfList} from '../../../cli/page.js'
import {API_KEY_SORT_COLUMNS, type ApiKey} from '../../../domain/api-keys.js'
import type {PageOf} from '../../../domain/context.js'
import {listServiceKeys} from '../../../domain/services.js'

export type ServiceKeysListResult = PageOf<ApiKey> & {service: string}

export default class ServiceKeysList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List an API service's query keys (never the keys themselves)."
  static override description = 'Lists the id, label and creation of each key; the secrets are not stored. Needs read on the service.'
  static override examples = ['<%= config.bin %> <%= command.id %> churn-model', "<%= config.bin %> <%= command.id %> churn-model --label 'crm-*' --sort created --order desc"]
  static override args = {id: serviceIdArg}
  static override flags = {...pageFlags, ...outputFlag, ...sortFlags({columns: API_KEY_SORT_COLUMNS, defaultSort: 'created'}), label: globFlag('label', "key's label")}

  async run(): Promise<ServiceKeysListResult> {
    const {args, flags} = await this.parse(ServiceKeysList)
    const {service, keys} = listServiceKeys(await this.context(flags), args.id, listQueryOf(flags))
    const page = pageOfList(keys, flags)
    const views = pageViews(page, {columns: keyColumns(this.display()), wide: [{header: 'DESCRIPTION', value: (k) => k.description ?? '-'}], name: (k) => k.id})
    return this.show({service, ...page}, views)
  }
}
