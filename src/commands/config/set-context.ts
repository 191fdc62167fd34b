import {Args, Flags} from '@oclif/core'

import {absolutePath, ConfigCommand, type ContextJson, contextJson} from '../../cli/config-command.js'
import {checkCredentialFile} from '../../cli/context-config.js'
import {renderFields} from '../../cli/output.js'
import {contextPathProblem, setContext} from '../../core/contexts.js'
import {preview} from '../../core/text.js'
import {UsageError} from '../../errors.js'

export type ConfigSetContextResult = ContextJson & {created: boolean}

export default class ConfigSetContext extends ConfigCommand {
  static override summary = 'Create a context (a store and at most one credential file), or change one.'
  static override description = `A context names a store and, optionally, a file holding a token or an admin key, so that commands need no --store and no credential: \`accessctl config use-context NAME\` makes it the current one, and --context NAME or ACCESSCTL_CONTEXT picks one for a single command. Creating a context needs --store; changing one changes only the fields given, and giving a credential file of one kind drops the other. Paths are made absolute against the current folder and otherwise taken literally (no ~ expansion). The config file (\${XDG_CONFIG_HOME:-~/.config}/accessctl/config.yaml, 0600) holds the paths only, never a secret; a credential file must be yours and 0600 or stricter (chmod 600 FILE), and is checked now and again at every use. A flag or variable for the store or a credential still wins over the context.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> dev --store dev.db',
    'printf \'%s\\n\' "$TOKEN" > alice.token && chmod 600 alice.token',
    '<%= config.bin %> <%= command.id %> alice --store dev.db --token-file alice.token --json',
    '<%= config.bin %> <%= command.id %> alice --store alice.db',
  ]

  static override args = {name: Args.string({description: 'The context: lower-case letters, digits, ".", "_" and "-", at most 63.', required: true})}
  static override flags = {
    store: Flags.string({description: 'The store this context opens (made absolute against the current folder). Needed to create a context.'}),
    'token-file': Flags.string({
      description: "A file (yours, 0600) holding the token this context acts with; read at each use. Drops an admin-key file.",
      exclusive: ['admin-key-file'],
    }),
    'admin-key-file': Flags.string({
      description: 'A file (yours, 0600) holding the admin key this context acts with; read at each use. Drops a token file.',
      exclusive: ['token-file'],
    }),
  }

  async run(): Promise<ConfigSetContextResult> {
    const {args, flags} = await this.parse(ConfigSetContext)
    const path = (value: string | undefined, flag: string) => {
      if (value === undefined) return undefined
      const absolute = absolutePath(value, `--${flag} path`)
      const problem = contextPathProblem(absolute)
      if (problem) throw new UsageError(`--${flag} '${preview(value, 80)}' ${problem}`)
      return absolute
    }

    const changes = {store: path(flags.store, 'store'), tokenFile: path(flags['token-file'], 'token-file'), adminKeyFile: path(flags['admin-key-file'], 'admin-key-file')}
    // Tried on the file as it is first, so that a bad change is refused before any credential file is read.
    const {context: planned} = setContext((await this.readConfig()).config, args.name, changes)
    // Refused now rather than at the first command that uses the context: the same checks as at use.
    if (changes.tokenFile) checkCredentialFile({kind: 'token', path: changes.tokenFile}, planned.name)
    if (changes.adminKeyFile) checkCredentialFile({kind: 'admin-key', path: changes.adminKeyFile}, planned.name)
    const {config: changed, context, created} = await this.changeConfig((config) => setContext(config, args.name, changes))
    const shown = contextJson(context, changed.currentContext)
    this.say(`${created ? 'created' : 'updated'} context '${context.name}'`)
    this.say(renderFields([['store', shown.store], ...credentialField(shown)]))
    if (created && changed.currentContext === undefined) this.inform(`Use it with: accessctl config use-context ${context.name}`)
    return {...shown, created}
  }
}

function credentialField(context: ContextJson): Array<[string, string]> {
  if (context.tokenFile !== null) return [['token file', context.tokenFile]]
  if (context.adminKeyFile !== null) return [['admin-key file', context.adminKeyFile]]
  return []
}
