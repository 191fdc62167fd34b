import {Flags} from '@oclif/core'

import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {listFlags, listQueryOf} from '../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import {type Account, type AccountCounts, ACCOUNT_SORT_COLUMNS, countsOfAccounts, listAccounts} from '../../domain/accounts.js'
import type {PageOf} from '../../domain/context.js'

export type AccountsListResult = PageOf<Account>

export default class AccountsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List accounts, a page at a time.'
  static override description = `Lists accounts ordered by name. On a terminal the columns are aligned; piped, each row is tab-separated (id, name, created) with no header. --json gives the page and the offset of the next one. --name matches the account's name; --sort name or id walks an index page by page.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --group devops',
    '<%= config.bin %> <%= command.id %> --limit 50 --offset 100 --json',
    "<%= config.bin %> <%= command.id %> --name 'a*' --sort created --order desc --no-headers",
    "<%= config.bin %> <%= command.id %> -o jsonpath='$.items[*].name'",
  ]

  static override flags = {
    ...pageFlags,
    ...outputFlag,
    ...listFlags({matches: "name", columns: ACCOUNT_SORT_COLUMNS, defaultSort: 'name', fullScan: ['created']}),
    group: Flags.string({char: 'g', description: 'Only accounts that are members of this group.'}),
  }

  async run(): Promise<AccountsListResult> {
    const {flags} = await this.parse(AccountsList)
    const ctx = await this.context(flags)
    const page = listAccounts(ctx, {limit: flags.limit, offset: flags.offset, group: flags.group, ...listQueryOf(flags)})
    const show = this.display()
    // Counted only for -o wide, the one shape that shows them: the --json document stays the page of accounts.
    let counted: Map<string, AccountCounts> | undefined
    const counts = () => (counted ??= countsOfAccounts(ctx, page.items.map((a) => a.id)))
    return this.show(
      page,
      pageViews(page, {
        columns: [
          {header: 'ID', value: (a) => a.id},
          {header: 'NAME', value: (a) => a.name},
          {header: 'CREATED', value: (a) => show.time(a.createdAt)},
        ],
        wide: [
          {header: 'GROUPS', value: (a) => String(counts().get(a.id)?.groups ?? '')},
          {header: 'ACTIVE-TOKENS', value: (a) => String(counts().get(a.id)?.activeTokens ?? '')},
        ],
        name: (a) => a.id,
      }),
    )
  }
}
