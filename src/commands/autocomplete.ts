import {Args} from '@oclif/core'

import {AccessctlCommand} from '../cli/base-command.js'
import {loginShell} from '../cli/completion.js'
import {setupLine, type Shell, SHELLS} from '../core/completion-scripts.js'

export interface AutocompleteResult {
  shell: Shell
  rcFile: string
  line: string
}

export default class Autocomplete extends AccessctlCommand {
  static override summary = 'Show how to set up shell completion for bash or zsh.'
  static override description = `Prints the line to add to your shell's start-up file. With it, TAB completes commands, flags, their fixed values (--stage, --role, -t, --mode), file names for -f/--file, and the names of the services, infrastructures, deployments, groups and accounts you may see, as the store and credential of the words typed (or ACCESSCTL_STORE, ACCESSCTL_TOKEN, ACCESSCTL_ADMIN_KEY) allow. Without SHELL, the shell is read from $SHELL. The script itself is printed by autocomplete script.`

  static override examples = ['<%= config.bin %> <%= command.id %> bash', '<%= config.bin %> <%= command.id %> zsh --json']

  static override args = {
    shell: Args.string({description: 'bash or zsh. Defaults to the shell named by $SHELL.', options: [...SHELLS]}),
  }

  async run(): Promise<AutocompleteResult> {
    const {args} = await this.parse(Autocomplete)
    const shell = (args.shell as Shell | undefined) ?? loginShell(process.env)
    const setup = {shell, ...setupLine(shell, this.config.bin)}
    this.say(`Shell completion for ${shell}: add this line to ${setup.rcFile}, then open a new shell:`)
    this.say(setup.line)
    return setup
  }
}
