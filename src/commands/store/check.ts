import {AccessctlCommand} from '../../cli/base-command.js'
import {checkStore, type StoreCheck} from '../../domain/store-admin.js'
import {StoreError} from '../../errors.js'

export type StoreCheckResult = StoreCheck

export default class StoreCheckCommand extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "Check the store's integrity (SQLite integrity and foreign keys)."
  static override description = 'Exit 0 when the store is sound; exit 6 with the problems found when it is not.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --store backup.db']

  async run(): Promise<StoreCheckResult> {
    const {flags} = await this.parse(StoreCheckCommand)
    const check = checkStore(await this.context(flags))
    if (!check.ok) throw new StoreError(`store check failed for ${check.path}:\n  ${check.problems.slice(0, 20).join('\n  ')}`)
    this.say(`store ok: ${check.path}`)
    return check
  }
}
