import {Args} from '@oclif/core'

import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {type AdminKey, deleteAdminKey, findAdminKey} from '../../domain/admin-keys.js'

export type AdminKeyDeleteResult = AdminKey

export default class AdminKeyDelete extends AccessctlCommand {
  static override summary = 'Delete an administrative key, given the key itself or its id.'
  static override description = `The key stops working at once. On a locked store the last admin key that never expires cannot be deleted (unlock first, or create another one without --ttl). Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> "$CI_KEY_ID" --yes   # by id',
    '<%= config.bin %> <%= command.id %> "$ADMIN_KEY" --yes   # or by the key itself',
  ]

  static override args = {key: Args.string({description: 'The key (acak_...) or its id.', required: true})}
  static override flags = {...yesFlag}

  async run(): Promise<AdminKeyDeleteResult> {
    const {args, flags} = await this.parse(AdminKeyDelete)
    const ctx = await this.context(flags)
    const key = findAdminKey(ctx, args.key)
    await this.confirm(`Delete admin key ${key.id}${key.label ? ` (${key.label})` : ''}?`, flags.yes, () =>
      deleteAdminKey(ctx, args.key),
    )
    const deleted = deleteAdminKey(ctx, args.key)
    this.say(`deleted admin key ${deleted.id}`)
    return deleted
  }
}
