import {AccessctlCommand} from '../../cli/base-command.js'
import {type LockState, unlockStore} from '../../domain/lock.js'

export type StoreUnlockResult = LockState

export default class StoreUnlock extends AccessctlCommand {
  static override summary = 'Unlock the store (needs an admin key).'
  static override examples = [
    '<%= config.bin %> store lock --yes',
    '<%= config.bin %> <%= command.id %>   # without an admin key: refused (exit 3)',
    'ACCESSCTL_ADMIN_KEY="$ADMIN_KEY" <%= config.bin %> <%= command.id %>',
  ]

  async run(): Promise<StoreUnlockResult> {
    const {flags} = await this.parse(StoreUnlock)
    const state = unlockStore(await this.context(flags))
    this.say(state.changed ? 'store unlocked' : 'store was not locked')
    return state
  }
}
