import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {serviceIdArg} from '../../../cli/deployer-views.js'
import {type ServicePermission, setServicePermission} from '../../../domain/services.js'

export type ServicePermissionsSetResult = ServicePermission & {service: string}

export default class ServicePermissionsSet extends AccessctlCommand {
  static override summary = "Set a group's privileges on an API service."
  static override description = `Turns a group's privileges on (--read, --write, --deploy, --admin) or off (--no-read, ...). Give any subset; privileges not named keep their value (off for a group that had no row). Implications apply when checking: admin gives write, deploy and read; write and deploy give read. Granting read to the group 'everyone' makes the service visible to all accounts. Needs admin on the service; the group must exist (exit 4).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model --group everyone --read',
    '<%= config.bin %> <%= command.id %> churn-model --group data-scientists --deploy --write',
    '<%= config.bin %> <%= command.id %> churn-model --group data-scientists --no-write',
  ]

  static override args = {id: serviceIdArg}
  static override flags = {
    group: Flags.string({char: 'g', description: 'The group whose privileges change.', required: true}),
    read: Flags.boolean({description: 'See the service, its versions, its key list and its deployments (with view on their infra).', allowNo: true}),
    write: Flags.boolean({description: 'Add and delete versions; implies read.', allowNo: true}),
    deploy: Flags.boolean({description: 'Create and manage deployments (with deploy on the infra); implies read.', allowNo: true}),
    admin: Flags.boolean({description: 'Change settings, permissions and keys, and delete the service; implies all the others.', allowNo: true}),
  }

  async run(): Promise<ServicePermissionsSetResult> {
    const {args, flags} = await this.parse(ServicePermissionsSet)
    const permission = setServicePermission(await this.context(flags), args.id, flags.group, {
      read: flags.read,
      write: flags.write,
      deploy: flags.deploy,
      admin: flags.admin,
    })
    const effective = permission.effective.length === 0 ? 'nothing' : permission.effective.join(', ')
    this.say(`group '${permission.group}' on service '${args.id}': ${effective}`)
    return {...permission, service: args.id}
  }
}
