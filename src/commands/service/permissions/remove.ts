import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {serviceIdArg} from '../../../cli/deployer-views.js'
import {removeServicePermission} from '../../../domain/services.js'

export type ServicePermissionsRemoveResult = {service: string; group: string; removed: boolean}

export default class ServicePermissionsRemove extends AccessctlCommand {
  static override summary = "Remove a group's privileges on an API service."
  static override description = `Deletes the group's row from the service's permissions. Safe to repeat: removing a row that is not there reports it and succeeds. Needs admin on the service.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model --group data-scientists']
  static override args = {id: serviceIdArg}
  static override flags = {group: Flags.string({char: 'g', description: 'The group whose privileges are removed.', required: true})}

  async run(): Promise<ServicePermissionsRemoveResult> {
    const {args, flags} = await this.parse(ServicePermissionsRemove)
    const result = removeServicePermission(await this.context(flags), args.id, flags.group)
    this.say(
      result.removed
        ? `removed group '${result.group}' from service '${result.service}'`
        : `group '${result.group}' had no privileges on service '${result.service}'`,
    )
    return result
  }
}
