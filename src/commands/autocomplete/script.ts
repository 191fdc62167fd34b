import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {Document} from '../../cli/output.js'
import {completionScript, type Shell, SHELLS} from '../../core/completion-scripts.js'

export interface AutocompleteScriptResult {
  shell: Shell
  script: string
}

export default class AutocompleteScript extends AccessctlCommand {
  static override summary = 'Print the bash or zsh completion script.'
  static override description = `The script asks ${'<%= config.bin %>'} __complete for every candidate, so it never goes stale: load it from your start-up file with eval, as autocomplete shows, or save it where your shell looks for completions.`

  static override examples = [
    'eval "$(<%= config.bin %> <%= command.id %> bash)"',
    '<%= config.bin %> <%= command.id %> zsh > _accessctl',
  ]

  static override args = {
    shell: Args.string({description: 'bash or zsh.', options: [...SHELLS], required: true}),
  }

  async run(): Promise<AutocompleteScriptResult> {
    const {args} = await this.parse(AutocompleteScript)
    const script = completionScript(args.shell as Shell, this.config.bin)
    this.printDocument(Document.shell(script))
    return {shell: args.shell as Shell, script}
  }
}
