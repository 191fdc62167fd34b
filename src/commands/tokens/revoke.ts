import {Args, Flags} from '@oclif/core'

import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {accountFlag} from '../../cli/flags.js'
import {UsageError} from '../../errors.js'
import {type AccountTokensRevocation, findTokenToRevoke, revokeAccountTokens, revokeToken, type TokenRevocation} from '../../domain/tokens.js'

export type TokensRevokeResult = AccountTokensRevocation | TokenRevocation

export default class TokensRevoke extends AccessctlCommand {
  static override summary = 'Revoke a recorded token, or all tokens of an account.'
  static override description = `A revoked token fails verification at once, and so does every token minted with it, at any depth, ephemeral ones included. Revoking a token twice is harmless and says so. Ephemeral tokens are not recorded and cannot be revoked one by one; -i ACCOUNT --all revokes every token of the account issued until now, ephemeral ones too. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> "$JTI" --yes',
    '<%= config.bin %> <%= command.id %> -i aeb78193c526484fa4f5c14d182ba039 --all --yes',
  ]

  static override args = {jti: Args.string({description: 'The token id (jti) to revoke.'})}
  static override flags = {
    id: accountFlag({description: 'With --all: the account whose tokens to revoke, by id or name.', dependsOn: ['all']}),
    all: Flags.boolean({description: 'Revoke every token of the account given with -i.', dependsOn: ['id']}),
    ...yesFlag,
  }

  async run(): Promise<TokensRevokeResult> {
    const {args, flags} = await this.parse(TokensRevoke)
    if ((args.jti === undefined) === (flags.id === undefined)) {
      throw new UsageError('give either a token id (JTI), or -i ACCOUNT --all, but not both')
    }

    const ctx = await this.context(flags)
    if (args.jti !== undefined) {
      const token = findTokenToRevoke(ctx, args.jti)
      if (token.revokedAt === null) {
        await this.confirm(`Revoke token ${token.jti} of account ${token.accountName ?? token.accountId}, and every token minted with it?`, flags.yes)
      }

      const result = revokeToken(ctx, args.jti)
      const descendants = `${result.descendantsRevoked} recorded token(s) minted with it`
      if (result.alreadyRevoked) {
        this.say(`token ${result.jti} was already revoked (at ${result.revokedAt})${result.descendantsRevoked > 0 ? `; revoked ${descendants}` : ''}`)
      } else {
        this.say(`revoked token ${result.jti}${result.descendantsRevoked > 0 ? ` and ${descendants}` : ''}`)
      }

      return result
    }

    await this.confirm(`Revoke every token of account ${flags.id}, and every token minted with one of them?`, flags.yes)
    const result = revokeAccountTokens(ctx, flags.id!)
    this.say(
      `revoked ${result.revoked} token(s) of account ${result.accountId}, with its ephemeral tokens and the tokens minted with any ` +
        `of them${result.descendantsRevoked > 0 ? ` (${result.descendantsRevoked} recorded)` : ''}`,
    )
    return result
  }
}
