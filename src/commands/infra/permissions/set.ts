import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {infraIdArg} from '../../../cli/deployer-views.js'
import {type InfraPermission, setInfraPermission} from '../../../domain/infrastructures.js'

export type InfraPermissionsSetResult = InfraPermission & {infrastructure: string}

export default class InfraPermissionsSet extends AccessctlCommand {
  static override summary = "Set a group's privileges on an infrastructure."
  static override description = `Turns a group's privileges on (--view, --deploy, --admin) or off (--no-view, ...). Give any subset; privileges not named keep their value (off for a group that had no row). Admin implies deploy, deploy implies view. Needs admin on the infrastructure; the group must exist (exit 4).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> dev-cluster --group data-scientists --deploy',
    '<%= config.bin %> <%= command.id %> prod-eu --group devops --deploy',
    '<%= config.bin %> <%= command.id %> prod-eu --group data-scientists --view --no-deploy',
  ]

  static override args = {id: infraIdArg}
  static override flags = {
    group: Flags.string({char: 'g', description: 'The group whose privileges change.', required: true}),
    view: Flags.boolean({description: 'See the infrastructure and its deployments (with read on their service).', allowNo: true}),
    deploy: Flags.boolean({description: 'Create and manage deployments on it (with deploy on the service); implies view.', allowNo: true}),
    admin: Flags.boolean({description: 'Change its stage and permissions, and delete it; implies deploy and view.', allowNo: true}),
  }

  async run(): Promise<InfraPermissionsSetResult> {
    const {args, flags} = await this.parse(InfraPermissionsSet)
    const permission = setInfraPermission(await this.context(flags), args.id, flags.group, {
      view: flags.view,
      deploy: flags.deploy,
      admin: flags.admin,
    })
    const effective = permission.effective.length === 0 ? 'nothing' : permission.effective.join(', ')
    this.say(`group '${permission.group}' on infrastructure '${args.id}': ${effective}`)
    return {...permission, infrastructure: args.id}
  }
}
