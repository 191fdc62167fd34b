import {Args} from '@oclif/core'

import {yesFlag} from '../../cli/base-command.js'
import {ConfigCommand, type ContextJson, contextJson} from '../../cli/config-command.js'
import {deleteContext} from '../../core/contexts.js'

export type ConfigDeleteContextResult = ContextJson

export default class ConfigDeleteContext extends ConfigCommand {
  static override summary = 'Delete a context from the config file (its store and credential file are left as they are).'
  static override description = `Removes the context's entry; deleting the current context also clears current-context, so commands fall back to the default store and the local operator. Nothing else is touched: not the store, not the credential file. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = [
    '<%= config.bin %> config set-context old --store old.db',
    '<%= config.bin %> <%= command.id %> old --yes',
  ]

  static override args = {name: Args.string({description: 'The context to delete.', required: true})}
  static override flags = {...yesFlag}

  async run(): Promise<ConfigDeleteContextResult> {
    const {args, flags} = await this.parse(ConfigDeleteContext)
    const asked = deleteContext((await this.readConfig()).config, args.name)
    // The question is asked without the lock, which another change must not wait on; the deletion is then made on
    // the file as it is by then.
    await this.confirm(`Delete context '${asked.context.name}'${asked.wasCurrent ? ' (the current one)' : ''}?`, flags.yes)
    const {context, wasCurrent, before} = await this.changeConfig((config) => ({...deleteContext(config, args.name), before: config}))
    this.say(`deleted context '${context.name}'${wasCurrent ? '; no context is current now' : ''}`)
    return contextJson(context, before.currentContext)
  }
}
