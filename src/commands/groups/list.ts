import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {yesNo} from '../../cli/output.js'
import {renderPage} from '../../cli/page.js'
import type {PageOf} from '../../domain/context.js'
import {type GroupSummary, listGroups} from '../../domain/groups.js'

export type GroupsListResult = PageOf<GroupSummary>

export default class GroupsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List groups with their privileges and member counts.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']
  static override flags = {...pageFlags}

  async run(): Promise<GroupsListResult> {
    const {flags} = await this.parse(GroupsList)
    const page = listGroups(await this.context(flags), {limit: flags.limit, offset: flags.offset})
    this.say(
      renderPage(page, [
        {header: 'NAME', value: (g) => g.name},
        {header: 'ADMIN', value: (g) => yesNo(g.admin)},
        {header: 'MAY-CREATE-SERVICES', value: (g) => yesNo(g.mayCreateServices)},
        {header: 'MEMBERS', value: (g) => (g.memberCount === null ? 'all' : String(g.memberCount))},
      ]),
    )
    return page
  }
}
