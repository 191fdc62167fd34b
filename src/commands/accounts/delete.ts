import {Flags} from '@oclif/core'

import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {accountFlag, accountIdsOf} from '../../cli/flags.js'
import {type AccountDeletion, deleteAccount, findAccountToDelete} from '../../domain/accounts.js'

export type AccountsDeleteResult = AccountDeletion

export default class AccountsDelete extends AccessctlCommand {
  static override summary = 'Delete an account, revoking its tokens and memberships.'
  static override description = `Deletes the account, marks all its recorded tokens revoked and removes it from its groups. While the account owns services, infrastructures or deployments the deletion is refused (exit 5) unless --transfer-to names the account (id or name) that takes them over. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> -i carol@example.com --yes',
    '<%= config.bin %> <%= command.id %> -i dan@example.com --yes   # refused while dan owns services (exit 5)',
    '<%= config.bin %> <%= command.id %> -i dan@example.com --transfer-to bob@example.com --yes',
  ]

  static override flags = {
    id: accountFlag({description: 'The account to delete, by id or name.', required: true}),
    'transfer-to': Flags.string({description: 'Give what the account owns to this account (id or name).'}),
    ...yesFlag,
  }

  async run(): Promise<AccountsDeleteResult> {
    const {flags} = await this.parse(AccountsDelete)
    const ctx = await this.context(flags)
    const [id] = accountIdsOf(ctx, [flags.id])
    const account = findAccountToDelete(ctx, id)
    const remove = () => deleteAccount(ctx, {id, transferTo: flags['transfer-to']})
    await this.confirm(`Delete account '${account.name}' (${account.id}) and revoke its tokens?`, flags.yes, remove)
    const result = remove()
    const transferred = result.transferredTo
      ? `; transferred ${result.transferred.services} service(s), ${result.transferred.infrastructures} infrastructure(s), ` +
        `${result.transferred.deployments} deployment(s) to '${result.transferredTo.name}'`
      : ''
    const descendants = result.revokedDescendants > 0 ? ` and ${result.revokedDescendants} recorded token(s) minted with them` : ''
    this.say(
      `deleted account: '${result.account.name}' (${result.account.id}); revoked ${result.revokedTokens} token(s)${descendants}, ` +
        `removed ${result.removedMemberships} membership(s)${transferred}`,
    )
    return result
  }
}
