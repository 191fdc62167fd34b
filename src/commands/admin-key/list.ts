import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {globFlag, listQueryOf, sortFlags} from '../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import {pageOfList} from '../../cli/page.js'
import {ADMIN_KEY_SORT_COLUMNS, type AdminKey, listAdminKeys} from '../../domain/admin-keys.js'
import type {PageOf} from '../../domain/context.js'

export type AdminKeyListResult = PageOf<AdminKey>

export default class AdminKeyList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List administrative keys (never the keys themselves).'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    "<%= config.bin %> <%= command.id %> --label 'break-*' --sort last-used --order desc",
  ]

  static override flags = {...pageFlags, ...outputFlag, ...sortFlags({columns: ADMIN_KEY_SORT_COLUMNS, defaultSort: 'created'}), label: globFlag('label', "key's label")}

  async run(): Promise<AdminKeyListResult> {
    const {flags} = await this.parse(AdminKeyList)
    const page = pageOfList(listAdminKeys(await this.context(flags), listQueryOf(flags)), flags)
    const show = this.display()
    // The table shows every field already: wide has nothing to add.
    return this.show(
      page,
      pageViews(page, {
        columns: [
        {header: 'ID', value: (k) => k.id},
        {header: 'LABEL', value: (k) => k.label ?? ''},
        {header: 'DESCRIPTION', value: (k) => k.description ?? ''},
        {header: 'CREATED', value: (k) => show.time(k.createdAt)},
        {header: 'CREATED BY', value: (k) => show.actor(k.createdBy)},
        {header: 'EXPIRES', value: (k) => show.time(k.expiresAt, 'never')},
        {header: 'LAST USED', value: (k) => show.time(k.lastUsedAt, 'never')},
        ],
        name: (k) => k.id,
      }),
    )
  }
}
