import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {yesNo} from '../../cli/output.js'
import {listFlags, listQueryOf} from '../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import type {PageOf} from '../../domain/context.js'
import {GROUP_SORT_COLUMNS, type GroupSummary, listGroups} from '../../domain/groups.js'

export type GroupsListResult = PageOf<GroupSummary>

export default class GroupsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List groups with their privileges and member counts.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    "<%= config.bin %> <%= command.id %> --name 'dev*' --sort created --order desc",
    '<%= config.bin %> <%= command.id %> -o name',
  ]

  static override flags = {...pageFlags, ...outputFlag, ...listFlags({matches: 'name', columns: GROUP_SORT_COLUMNS, defaultSort: 'name'})}

  async run(): Promise<GroupsListResult> {
    const {flags} = await this.parse(GroupsList)
    const page = listGroups(await this.context(flags), {limit: flags.limit, offset: flags.offset, ...listQueryOf(flags)})
    const show = this.display()
    return this.show(
      page,
      pageViews(page, {
        columns: [
          {header: 'NAME', value: (g) => g.name},
          {header: 'ADMIN', value: (g) => yesNo(g.admin)},
          {header: 'MAY-CREATE-SERVICES', value: (g) => yesNo(g.mayCreateServices)},
          {header: 'MEMBERS', value: (g) => (g.memberCount === null ? 'all' : String(g.memberCount))},
        ],
        wide: [
          {header: 'BUILT-IN', value: (g) => yesNo(g.builtin)},
          {header: 'CREATED', value: (g) => show.time(g.createdAt)},
        ],
        name: (g) => g.name,
      }),
    )
  }
}
