import {AccessctlCommand} from '../../../cli/base-command.js'
import {renderTable, yesNo} from '../../../cli/output.js'
import {listSigningKeys, type SigningKey} from '../../../domain/signing-keys.js'

export type TokensKeysListResult = {keys: SigningKey[]}

export default class TokensKeysList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the signing keys: kid, created, retired, and which one signs new tokens.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<TokensKeysListResult> {
    const {flags} = await this.parse(TokensKeysList)
    const keys = listSigningKeys(await this.context(flags))
    if (keys.length === 0) this.say('no signing key yet: the first token (or tokens keys rotate) makes one')
    else {
      this.say(
        renderTable(keys, [
          {header: 'KID', value: (k) => k.kid},
          {header: 'CREATED', value: (k) => k.createdAt},
          {header: 'RETIRED', value: (k) => k.retiredAt ?? '-'},
          {header: 'ACTIVE', value: (k) => yesNo(k.active)},
        ]),
      )
    }

    return {keys}
  }
}
