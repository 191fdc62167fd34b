import {Args, Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {createGroup, type Group} from '../../domain/groups.js'

export type GroupsCreateResult = Group

export default class GroupsCreate extends AccessctlCommand {
  static override summary = 'Create a group.'
  static override description = `Groups carry the Deployer permissions on services and infrastructures, and two global privileges: --admin makes every member a global administrator (everything, everywhere); --may-create-services lets members create API services. Names: 1-63 of a-z 0-9 . _ -, starting with a letter or digit.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> ml-engineers --may-create-services',
    '<%= config.bin %> <%= command.id %> sre --admin',
  ]

  static override args = {name: Args.string({description: 'The group name.', required: true})}

  static override flags = {
    admin: Flags.boolean({description: 'Members are global administrators.', default: false}),
    'may-create-services': Flags.boolean({description: 'Members may create API services.', default: false}),
  }

  async run(): Promise<GroupsCreateResult> {
    const {args, flags} = await this.parse(GroupsCreate)
    const group = createGroup(await this.context(flags), {
      name: args.name,
      admin: flags.admin,
      mayCreateServices: flags['may-create-services'],
    })
    this.say(`created group: '${group.name}'${describePrivileges(group)}`)
    return group
  }
}

export function describePrivileges(group: Group): string {
  const privileges = [group.admin && 'admin', group.mayCreateServices && 'may-create-services'].filter(Boolean)
  return privileges.length === 0 ? '' : ` (${privileges.join(', ')})`
}
