import {Args} from '@oclif/core'

import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {deleteGroup, findGroupToDelete, type Group, refuseBuiltinDeletion} from '../../domain/groups.js'

export type GroupsDeleteResult = Group

export default class GroupsDelete extends AccessctlCommand {
  static override summary = 'Delete a group, its memberships and its permissions.'
  static override description = `Deletes the group; its memberships and the service and infrastructure permissions granted to it go with it. The built-in group 'everyone' cannot be deleted. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = ['<%= config.bin %> <%= command.id %> old-team --yes']
  static override args = {name: Args.string({description: 'The group name.', required: true})}
  static override flags = {...yesFlag}

  async run(): Promise<GroupsDeleteResult> {
    const {args, flags} = await this.parse(GroupsDelete)
    refuseBuiltinDeletion(args.name)
    const ctx = await this.context(flags)
    const group = findGroupToDelete(ctx, args.name)
    const members = group.memberCount ? ` and its ${group.memberCount} membership(s)` : ''
    await this.confirm(`Delete group '${group.name}'${members}?`, flags.yes, () => deleteGroup(ctx, args.name))
    const deleted = deleteGroup(ctx, args.name)
    this.say(`deleted group: '${deleted.name}'`)
    return deleted
  }
}
