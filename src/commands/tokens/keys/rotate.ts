import {AccessctlCommand} from '../../../cli/base-command.js'
import {rotateSigningKey, type SigningKey} from '../../../domain/signing-keys.js'

export type TokensKeysRotateResult = SigningKey

export default class TokensKeysRotate extends AccessctlCommand {
  static override summary = 'Make a new signing key; older keys keep verifying the tokens they signed.'
  static override description = `New tokens are signed with the new key. Tokens signed by older keys stay valid until those keys are retired with tokens keys retire KID.`

  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<TokensKeysRotateResult> {
    const {flags} = await this.parse(TokensKeysRotate)
    const key = await rotateSigningKey(await this.context(flags))
    this.say(`new signing key: ${key.kid}`)
    return key
  }
}
