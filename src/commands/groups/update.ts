import {Args, Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {type Group, updateGroup} from '../../domain/groups.js'
import {describePrivileges} from './create.js'

export type GroupsUpdateResult = Group

export default class GroupsUpdate extends AccessctlCommand {
  static override summary = "Change a group's global privileges."
  static override description = `Turns the admin and may-create-services privileges on or off. Give at least one of the flags; those not given stay as they are. The built-in group 'everyone' can be updated too: its privileges apply to all.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> data-scientists --no-may-create-services',
    '<%= config.bin %> <%= command.id %> devops --may-create-services',
  ]

  static override args = {name: Args.string({description: 'The group name.', required: true})}

  static override flags = {
    admin: Flags.boolean({description: 'Make members global administrators (--no-admin takes it away).', allowNo: true}),
    'may-create-services': Flags.boolean({
      description: 'Let members create API services (--no-may-create-services takes it away).',
      allowNo: true,
    }),
  }

  async run(): Promise<GroupsUpdateResult> {
    const {args, flags} = await this.parse(GroupsUpdate)
    const group = updateGroup(await this.context(flags), args.name, {
      admin: flags.admin,
      mayCreateServices: flags['may-create-services'],
    })
    this.say(`updated group: '${group.name}'${describePrivileges(group) || ' (no global privileges)'}`)
    return group
  }
}
