import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {accountIdsOf, accountsFlag, splitList} from '../../cli/flags.js'
import {addMembers, type MembershipChange} from '../../domain/groups.js'

export type GroupsAddMemberResult = MembershipChange

export default class GroupsAddMember extends AccessctlCommand {
  static override summary = 'Add accounts to a group.'
  static override description = `Adds one or more accounts to a group in one transaction: if any id is unknown, none is added. Accounts that are already members are reported and left as they are, so the command is safe to repeat.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> devops -i alice@example.com',
    '<%= config.bin %> <%= command.id %> data-scientists -i bob@example.com,carol@example.com -i aeb78193c526484fa4f5c14d182ba039   # ids or names',
  ]

  static override args = {name: Args.string({description: 'The group name.', required: true})}
  static override flags = {id: accountsFlag}

  async run(): Promise<GroupsAddMemberResult> {
    const {args, flags} = await this.parse(GroupsAddMember)
    const ctx = await this.context(flags)
    const change = addMembers(ctx, args.name, accountIdsOf(ctx, splitList(flags.id)))
    this.say(`group '${change.group}': added ${change.changed.length}, already members ${change.unchanged.length}`)
    return change
  }
}
