import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {outputFlag} from '../../cli/output-shape.js'
import {renderFields, yesNo} from '../../cli/output.js'
import {getGroup, type GroupDetails, MEMBERS_SHOWN} from '../../domain/groups.js'

export type GroupsGetResult = GroupDetails

export default class GroupsGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show a group: privileges and members.'
  static override description = `Shows the group's global privileges and its members (the first ${MEMBERS_SHOWN} by name; page through all of them with 'accounts list --group NAME').`

  static override examples = ['<%= config.bin %> <%= command.id %> devops', '<%= config.bin %> <%= command.id %> everyone --json', '<%= config.bin %> <%= command.id %> devops -o yaml']

  static override args = {name: Args.string({description: 'The group name.', required: true})}
  static override flags = {...outputFlag}

  async run(): Promise<GroupsGetResult> {
    const {args, flags} = await this.parse(GroupsGet)
    const group = getGroup(await this.context(flags), args.name)
    const members =
      group.memberCount === null
        ? 'every account (implicit)'
        : group.members.map((m) => `${m.name} (${m.id})`).join(', ') || '(none)'
    const more = group.memberCount !== null && group.memberCount > group.members.length ? ` … ${group.memberCount} in all` : ''
    const show = this.display()
    return this.show(group, {
      human: (wide) =>
        renderFields([
          ['name', group.name],
          ['admin', yesNo(group.admin)],
          ['may create services', yesNo(group.mayCreateServices)],
          ['built in', yesNo(group.builtin)],
          ['created', show.time(group.createdAt)],
          ...(wide ? [['member count', group.memberCount] as const] : []),
          ['members', members + more],
        ]),
      names: () => [group.name],
    })
  }
}
