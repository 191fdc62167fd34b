import {AccessctlCommand} from '../../cli/base-command.js'
import {renderTable} from '../../cli/output.js'
import {type AdminKey, listAdminKeys} from '../../domain/admin-keys.js'

export default class AdminKeyList extends AccessctlCommand {
  static override summary = 'List administrative keys (never the keys themselves).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    "<%= config.bin %> admin-keys-list   # the seed's API-node tool name",
  ]

  async run(): Promise<{keys: AdminKey[]}> {
    const {flags} = await this.parse(AdminKeyList)
    const keys = listAdminKeys(await this.context(flags))
    this.say(
      renderTable(keys, [
        {header: 'ID', value: (k) => k.id},
        {header: 'LABEL', value: (k) => k.label ?? ''},
        {header: 'DESCRIPTION', value: (k) => k.description ?? ''},
        {header: 'CREATED', value: (k) => k.createdAt},
        {header: 'CREATED BY', value: (k) => k.createdBy},
        {header: 'EXPIRES', value: (k) => k.expiresAt ?? 'never'},
        {header: 'LAST USED', value: (k) => k.lastUsedAt ?? 'never'},
      ]),
    )
    return {keys}
  }
}
