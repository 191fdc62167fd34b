import {Args} from '@oclif/core'

import {AccessctlCommand, yesFlag} from '../../../cli/base-command.js'
import {type KeyRetirement, findSigningKeyToRetire, retireSigningKey} from '../../../domain/signing-keys.js'

export type TokensKeysRetireResult = KeyRetirement

export default class TokensKeysRetire extends AccessctlCommand {
  static override summary = 'Retire a signing key: every token it signed stops verifying.'
  static override description = `The key is kept (so verification can say retired_key) but verifies nothing and leaves the JWKS. The last key that is not retired cannot be retired: run tokens keys rotate first. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = ['<%= config.bin %> tokens keys rotate && <%= config.bin %> <%= command.id %> --yes -- "$KID"']
  static override args = {kid: Args.string({description: 'The key id, as tokens keys list shows it.', required: true})}
  static override flags = {...yesFlag}

  async run(): Promise<TokensKeysRetireResult> {
    const {args, flags} = await this.parse(TokensKeysRetire)
    const ctx = await this.context(flags)
    const key = findSigningKeyToRetire(ctx, args.kid)
    if (key.retiredAt === null) await this.confirm(`Retire signing key ${key.kid}? Every token it signed stops verifying`, flags.yes, () =>
        retireSigningKey(ctx, args.kid),
      )
    const result = retireSigningKey(ctx, args.kid)
    this.say(
      result.alreadyRetired
        ? `key ${result.key.kid} was already retired (at ${result.key.retiredAt})`
        : `retired key ${result.key.kid}; new tokens are signed with ${result.activeKid}`,
    )
    return result
  }
}
