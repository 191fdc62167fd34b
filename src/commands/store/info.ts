import {AccessctlCommand} from '../../cli/base-command.js'
import {renderFields, yesNo} from '../../cli/output.js'
import {type StoreInfo, storeInfo} from '../../domain/store-admin.js'

export type StoreInfoResult = StoreInfo

export default class StoreInfoCommand extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show where the store is, its schema version, size, lock state and row counts.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'ACCESSCTL_STORE=backup.db <%= config.bin %> <%= command.id %> --json',
  ]

  async run(): Promise<StoreInfoResult> {
    const {flags} = await this.parse(StoreInfoCommand)
    const info = storeInfo(await this.context(flags))
    this.say(
      renderFields([
        ['path', info.path],
        ['schema version', info.schemaVersion],
        ['size', `${info.sizeBytes} bytes`],
        ['journal mode', info.journalMode],
        ['locked', yesNo(info.locked)],
        ...Object.entries(info.counts).map(([key, n]): [string, number] => [key, n]),
      ]),
    )
    return info
  }
}
