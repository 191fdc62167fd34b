import {Flags} from '@oclif/core'

import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {accountFlag} from '../../cli/flags.js'
import {globFlag, listFlags, listQueryOf} from '../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import type {PageOf} from '../../domain/context.js'
import {listTokens, TOKEN_SORT_COLUMNS, type TokenRecord} from '../../domain/tokens.js'

export type TokensListResult = PageOf<TokenRecord>

export default class TokensList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List recorded tokens (never the tokens themselves).'
  static override description = `Lists account tokens, oldest first: id (jti), account, type, role, label, created, expires, status. Expired and revoked tokens are hidden unless --all. Ephemeral tokens are not recorded and never appear. Piped, rows are tab-separated with no header.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> -i aeb78193c526484fa4f5c14d182ba039 --all',
    '<%= config.bin %> <%= command.id %> --limit 20 --offset 40 --json',
    "<%= config.bin %> <%= command.id %> --name 'alice*' --label 'exam*' --sort expires --order desc",
    "<%= config.bin %> <%= command.id %> -o jsonpath='$.items[?@.role == \"Admin\"].jti'   # the ids of the Admin tokens",
  ]

  static override flags = {
    ...pageFlags,
    ...outputFlag,
    id: accountFlag({description: 'Only the tokens of this account, by id or name.'}),
    all: Flags.boolean({description: 'Include expired and revoked tokens.'}),
    ...listFlags({matches: "account's name", columns: TOKEN_SORT_COLUMNS, defaultSort: 'created', fullScan: ['id', 'account', 'type', 'role', 'label', 'expires', 'status']}),
    label: globFlag('label', "token's label"),
  }

  async run(): Promise<TokensListResult> {
    const {flags} = await this.parse(TokensList)
    const page = listTokens(await this.context(flags), {account: flags.id, all: flags.all, limit: flags.limit, offset: flags.offset, ...listQueryOf(flags)})
    const show = this.display()
    return this.show(
      page,
      pageViews(page, {
        columns: [
        {header: 'ID', value: (t) => t.jti},
        {header: 'ACCOUNT', value: (t) => t.accountName ?? t.accountId},
        {header: 'TYPE', value: (t) => t.type},
        {header: 'ROLE', value: (t) => t.role ?? '-'},
        {header: 'LABEL', value: (t) => t.label ?? '-'},
        {header: 'CREATED', value: (t) => show.time(t.createdAt)},
        {header: 'EXPIRES', value: (t) => show.time(t.expiresAt)},
        {header: 'STATUS', value: (t) => t.status},
        ],
        wide: [
          {header: 'ACCOUNT-ID', value: (t) => t.accountId},
          {header: 'REVOKED', value: (t) => (t.revokedAt === null ? '-' : show.time(t.revokedAt))},
          {header: 'SIGNING-KEY', value: (t) => t.kid},
        ],
        name: (t) => t.jti,
      }),
    )
  }
}
