import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {sortFlags, listQueryOf} from '../../../cli/list-flags.js'
import {yesNo} from '../../../cli/output.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import {pageOfList} from '../../../cli/page.js'
import type {PageOf} from '../../../domain/context.js'
import {listSigningKeys, SIGNING_KEY_SORT_KEYS, type SigningKey} from '../../../domain/signing-keys.js'

export type TokensKeysListResult = PageOf<SigningKey>

export default class TokensKeysList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the signing keys: kid, created, retired, and which one signs new tokens.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', '<%= config.bin %> <%= command.id %> --sort retired --order desc', '<%= config.bin %> <%= command.id %> --sort active --order desc   # the signing key first']
  static override flags = {...pageFlags, ...outputFlag, ...sortFlags({columns: SIGNING_KEY_SORT_KEYS, defaultSort: 'created'})}

  async run(): Promise<TokensKeysListResult> {
    const {flags} = await this.parse(TokensKeysList)
    const page = pageOfList(listSigningKeys(await this.context(flags), listQueryOf(flags)), flags)
    const show = this.display()
    const table = pageViews(page, {
      columns: [
        {header: 'KID', value: (k) => k.kid},
        {header: 'CREATED', value: (k) => show.time(k.createdAt)},
        {header: 'RETIRED', value: (k) => show.time(k.retiredAt)},
        {header: 'ACTIVE', value: (k) => yesNo(k.active)},
      ],
      wide: [{header: 'ALG', value: (k) => k.alg}],
      name: (k) => k.kid,
    })
    const none = page.items.length === 0 && page.offset === 0
    return this.show(page, {...table, human: (wide, headers) => (none ? 'no signing key yet: the first token (or tokens keys rotate) makes one' : table.human(wide, headers))})
  }
}
