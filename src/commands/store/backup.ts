import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {backupStore, type StoreBackup} from '../../domain/store-admin.js'

export type StoreBackupResult = StoreBackup

export default class StoreBackupCommand extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Copy the store to a new file while it stays in use.'
  static override description = `Uses SQLite's online backup: other accessctl processes may keep reading and writing, and the copy is one consistent snapshot. DEST is taken literally and must not exist yet (not even as a symbolic link): a backup never replaces anything. The copy is 0600 from its first byte (written in a private folder beside DEST, then linked into place) and is one self-contained file, readable without -wal or -shm.`

  static override examples = ['mkdir -p backups && <%= config.bin %> <%= command.id %> backups/accessctl-$(date +%F).db']
  static override args = {dest: Args.string({description: 'The file to write the copy to.', required: true})}

  async run(): Promise<StoreBackupResult> {
    const {args, flags} = await this.parse(StoreBackupCommand)
    const backup = await backupStore(await this.context(flags), args.dest)
    this.say(`backed up ${backup.source} to ${backup.destination} (${backup.pages} pages)`)
    return backup
  }
}
