import {AccessctlCommand} from '../../cli/base-command.js'
import {Document} from '../../cli/output.js'
import {type Jwks, publicJwks} from '../../domain/signing-keys.js'

export type TokensJwksResult = Jwks

export default class TokensJwks extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Print the public signing keys as a JWKS document.'
  static override description = `Prints {"keys": [...]}: the public Ed25519 keys (kid, alg EdDSA, use sig) that still verify tokens, so any JOSE library can verify tokens without the store. Retired keys are left out. Needs no credential: public keys are public.`

  static override examples = ['<%= config.bin %> <%= command.id %> > jwks.json']
  static override credentialFree = true

  async run(): Promise<TokensJwksResult> {
    const {flags} = await this.parse(TokensJwks)
    const jwks = publicJwks(await this.context(flags))
    this.printDocument(Document.json(jwks))
    return jwks
  }
}
