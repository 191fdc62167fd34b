import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {accountIdsOf, accountsFlag, splitList} from '../../cli/flags.js'
import {type MembershipChange, removeMembers} from '../../domain/groups.js'

export type GroupsRemoveMemberResult = MembershipChange

export default class GroupsRemoveMember extends AccessctlCommand {
  static override summary = 'Remove accounts from a group.'
  static override description = `Removes one or more accounts from a group in one transaction. Accounts that were not members are reported and left as they are, so the command is safe to repeat.`

  static override examples = ['<%= config.bin %> <%= command.id %> devops -i bob@example.com']

  static override args = {name: Args.string({description: 'The group name.', required: true})}
  static override flags = {id: accountsFlag}

  async run(): Promise<GroupsRemoveMemberResult> {
    const {args, flags} = await this.parse(GroupsRemoveMember)
    const ctx = await this.context(flags)
    const change = removeMembers(ctx, args.name, accountIdsOf(ctx, splitList(flags.id)))
    this.say(`group '${change.group}': removed ${change.changed.length}, not members ${change.unchanged.length}`)
    return change
  }
}
