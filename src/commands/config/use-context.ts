import {Args} from '@oclif/core'

import {ConfigCommand, type ContextJson, contextJson} from '../../cli/config-command.js'
import {useContext} from '../../core/contexts.js'

export type ConfigUseContextResult = ContextJson

export default class ConfigUseContext extends ConfigCommand {
  static override summary = 'Make a context the current one: commands use its store and credential from now on.'
  static override description = `Sets current-context in the config file. A flag or variable for the store or a credential still wins over it, and --context or ACCESSCTL_CONTEXT picks another context for one command. A name that is no context is exit 4, with the nearest names.`

  static override examples = [
    '<%= config.bin %> config set-context dev --store dev.db',
    '<%= config.bin %> <%= command.id %> dev',
    '<%= config.bin %> <%= command.id %> nope   # Error: no context named \'nope\' (exit 4)',
  ]

  static override args = {name: Args.string({description: 'The context to use.', required: true})}

  async run(): Promise<ConfigUseContextResult> {
    const {args} = await this.parse(ConfigUseContext)
    const {config: changed, context} = await this.changeConfig((config) => useContext(config, args.name))
    this.say(`switched to context '${context.name}'`)
    return contextJson(context, changed.currentContext)
  }
}
