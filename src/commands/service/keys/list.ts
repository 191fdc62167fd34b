import {AccessctlCommand} from '../../../cli/base-command.js'
import {keyTable, serviceIdArg} from '../../../cli/deployer-views.js'
import type {ApiKey} from '../../../domain/api-keys.js'
import {listServiceKeys} from '../../../domain/services.js'

export default class ServiceKeysList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List an API service's query keys (never the keys themselves)."
  static override description = 'Lists the id, label and creation of each key; the secrets are not stored. Needs read on the service.'
  static override examples = ['<%= config.bin %> <%= command.id %> churn-model']
  static override args = {id: serviceIdArg}

  async run(): Promise<{service: string; keys: ApiKey[]}> {
    const {args, flags} = await this.parse(ServiceKeysList)
    const result = listServiceKeys(await this.context(flags), args.id)
    this.say(keyTable(result.keys))
    return result
  }
}
