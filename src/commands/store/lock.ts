import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {lockStore, type LockState} from '../../domain/lock.js'

export type StoreLockResult = LockState

export default class StoreLock extends AccessctlCommand {
  static override summary = 'Lock the store: from now on every command needs an admin key or a token.'
  static override description = `After locking, the local operator (no credential) is refused with exit 3. Verification commands (tokens verify, admin-key verify, deployment authorize) keep working without a credential. Needs an admin key that never expires (created without --ttl), so that someone can always unlock it. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = [
    'ADMIN_KEY=$(<%= config.bin %> admin-key create --label break-glass) && <%= config.bin %> <%= command.id %> --yes',
  ]

  static override flags = {...yesFlag}

  async run(): Promise<StoreLockResult> {
    const {flags} = await this.parse(StoreLock)
    const ctx = await this.context(flags)
    await this.confirm('Lock the store so that every command needs an admin key or a token?', flags.yes, () => lockStore(ctx))
    const state = lockStore(ctx)
    this.say(state.changed ? 'store locked' : 'store was already locked')
    return state
  }
}
