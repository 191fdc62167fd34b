import {ConfigCommand, type ContextJson, contextJson} from '../../cli/config-command.js'
import {renderTable} from '../../cli/output.js'

export interface ConfigGetContextsResult {
  currentContext: string | null
  items: ContextJson[]
}

export default class ConfigGetContexts extends ConfigCommand {
  static override summary = 'List the contexts of the config file; * marks the current one.'
  static override description = `One row a context: CURRENT (* for the config file's current context), NAME, STORE and CREDENTIAL (the token or admin-key file it reads, if any). No secret is shown: the file holds none.`

  static override examples = [
    '<%= config.bin %> config set-context dev --store dev.db',
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  async run(): Promise<ConfigGetContextsResult> {
    await this.parse(ConfigGetContexts)
    const {config} = await this.readConfig()
    const items = config.contexts.map((context) => contextJson(context, config.currentContext))
    if (items.length === 0) {
      this.inform('No contexts yet: create one with accessctl config set-context NAME --store PATH.')
    } else {
      this.say(
        renderTable(items, [
          {header: 'CURRENT', value: (context) => (context.current ? '*' : '')},
          {header: 'NAME', value: (context) => context.name},
          {header: 'STORE', value: (context) => context.store},
          {header: 'CREDENTIAL', value: (context) => (context.tokenFile === null ? context.adminKeyFile === null ? '' : `admin-key-file ${context.adminKeyFile}` : `token-file ${context.tokenFile}`)},
        ]),
      )
    }

    return {currentContext: config.currentContext ?? null, items}
  }
}
