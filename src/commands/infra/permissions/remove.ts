import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {infraIdArg} from '../../../cli/deployer-views.js'
import {removeInfraPermission} from '../../../domain/infrastructures.js'

export type InfraPermissionsRemoveResult = {infrastructure: string; group: string; removed: boolean}

export default class InfraPermissionsRemove extends AccessctlCommand {
  static override summary = "Remove a group's privileges on an infrastructure."
  static override description = `Deletes the group's row from the infrastructure's permissions. Safe to repeat. Needs admin on the infrastructure.`

  static override examples = ['<%= config.bin %> <%= command.id %> prod-eu --group data-scientists']
  static override args = {id: infraIdArg}
  static override flags = {group: Flags.string({char: 'g', description: 'The group whose privileges are removed.', required: true})}

  async run(): Promise<InfraPermissionsRemoveResult> {
    const {args, flags} = await this.parse(InfraPermissionsRemove)
    const result = removeInfraPermission(await this.context(flags), args.id, flags.group)
    this.say(
      result.removed
        ? `removed group '${result.group}' from infrastructure '${result.infrastructure}'`
        : `group '${result.group}' had no privileges on infrastructure '${result.infrastructure}'`,
    )
    return result
  }
}
