import {AccessctlCommand} from '../../../cli/base-command.js'
import {infraIdArg, infraPermissionTable} from '../../../cli/deployer-views.js'
import {type InfraPermissions, listInfraPermissions} from '../../../domain/infrastructures.js'

export default class InfraPermissionsList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = "List the groups' privileges on an infrastructure."
  static override description = `Shows each group's view, deploy and admin flags and what they add up to (admin implies deploy,
deploy implies view). Needs view on the infrastructure.`

  static override examples = ['<%= config.bin %> <%= command.id %> prod-eu']
  static override args = {id: infraIdArg}

  async run(): Promise<InfraPermissions> {
    const {args, flags} = await this.parse(InfraPermissionsList)
    const result = listInfraPermissions(await this.context(flags), args.id)
    this.say(infraPermissionTable(result.permissions))
    return result
  }
}
