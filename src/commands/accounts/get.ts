import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {accountFlag, accountIdsOf} from '../../cli/flags.js'
import {outputFlag} from '../../cli/output-shape.js'
import {renderFields} from '../../cli/output.js'
import {type AccountDetails, getAccount} from '../../domain/accounts.js'

export type AccountsGetResult = AccountDetails

export default class AccountsGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show one account, by name or by id.'
  static override description = `Shows the account's id, name, creation time, groups (every account is in 'everyone') and how many of its recorded tokens are active. Give exactly one of --name and --id. Never shows a secret.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> -n alice@example.com',
    '<%= config.bin %> <%= command.id %> -i aeb78193c526484fa4f5c14d182ba039 --json   # -i takes an id or a name',
  ]

  static override flags = {
    name: Flags.string({char: 'n', description: 'The account name, exactly as created.', exactlyOne: ['name', 'id']}),
    id: accountFlag({description: 'The account, by id (32 hex characters) or name.', exactlyOne: ['name', 'id']}),
    ...outputFlag,
  }

  async run(): Promise<AccountsGetResult> {
    const {flags} = await this.parse(AccountsGet)
    const ctx = await this.context(flags)
    const account = getAccount(ctx, flags.id === undefined ? {name: flags.name} : {id: accountIdsOf(ctx, [flags.id])[0]})
    const show = this.display()
    return this.show(account, {
      human: (wide) =>
        renderFields([
          ['id', account.id],
          ['name', account.name],
          ['created', show.time(account.createdAt)],
          ...(wide ? [['created at', account.createdAt] as const] : []),
          ['groups', account.groups.join(', ')],
          ['active tokens', account.activeTokenCount],
        ]),
      names: () => [account.id],
    })
  }
}
