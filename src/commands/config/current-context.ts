import {ConfigCommand, type ContextJson, contextJson} from '../../cli/config-command.js'
import {findContext} from '../../core/contexts.js'
import {NotFoundError} from '../../errors.js'

export type ConfigCurrentContextResult = ContextJson

export default class ConfigCurrentContext extends ConfigCommand {
  static override summary = "Print the config file's current context."
  static override description = `Prints the name set by config use-context. With none set, exit 4 and a message saying so. This is the file's choice: a command run with --context or ACCESSCTL_CONTEXT uses that one instead, and auth whoami shows which context a command really uses and where its store and credential came from.`

  static override examples = [
    '<%= config.bin %> config set-context dev --store dev.db',
    '<%= config.bin %> config use-context dev',
    '<%= config.bin %> <%= command.id %>   # => dev',
    '<%= config.bin %> <%= command.id %> --json',
  ]

  async run(): Promise<ConfigCurrentContextResult> {
    await this.parse(ConfigCurrentContext)
    const {file, config} = await this.readConfig()
    const name = config.currentContext
    if (name === undefined) {
      throw new NotFoundError('no current context is set', {hint: 'Choose one with accessctl config use-context NAME (see accessctl config get-contexts).'})
    }

    const context = findContext(config, name)
    if (!context) {
      throw new NotFoundError(`current-context in ${file} names no context: '${name}'`, {hint: 'Choose another with accessctl config use-context NAME.'})
    }

    this.say(name)
    return contextJson(context, name)
  }
}
