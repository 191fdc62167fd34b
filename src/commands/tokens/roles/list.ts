import {AccessctlCommand} from '../../../cli/base-command.js'
import {renderTable} from '../../../cli/output.js'
import {ROLES} from '../../../core/roles.js'

export type TokensRolesListResult = {roles: Array<{name: string; description: string}>}

export default class TokensRolesList extends AccessctlCommand {
  static override summary = 'List the built-in roles a token can be made from.'
  static override examples = ['<%= config.bin %> <%= command.id %>']

  async run(): Promise<TokensRolesListResult> {
    await this.parse(TokensRolesList)
    const roles = ROLES.map(({name, description}) => ({name, description}))
    this.say(renderTable(roles, [{header: 'ROLE', value: (r) => r.name}, {header: 'DESCRIPTION', value: (r) => r.description}]))
    return {roles}
  }
}
