import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {type Account, createAccount} from '../../domain/accounts.js'

export type AccountsCreateResult = Account & {groups: string[]}

export default class AccountsCreate extends AccessctlCommand {
  static override summary = 'Create an account.'
  static override description = `Creates an account and prints its id, a uuid4 without dashes (32 lowercase hex characters). The name is stored exactly as given; it must be unique, non-empty and at most 254 characters. An account alone grants nothing: create a token for it (tokens create) or add it to groups.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> -n erin@example.com',
    '<%= config.bin %> <%= command.id %> -n frank@example.com --group data-scientists --group devops',
    'ID=$(<%= config.bin %> <%= command.id %> -n grace@example.com --json | jq -r .id)',
  ]

  static override flags = {
    name: Flags.string({char: 'n', description: 'The account name, usually an e-mail address.', required: true}),
    group: Flags.string({
      char: 'g',
      description: 'Add the new account to this existing group. Repeat the flag for several groups.',
      multiple: true,
    }),
  }

  async run(): Promise<AccountsCreateResult> {
    const {flags} = await this.parse(AccountsCreate)
    const groups = flags.group ?? []
    const account = createAccount(await this.context(flags), {name: flags.name, groups})
    this.say(`created account: '${account.name}' (${account.id})`)
    return {...account, groups}
  }
}
