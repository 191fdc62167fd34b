import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {listFlags, listQueryOf} from '../../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import {pageOfList} from '../../../cli/page.js'
import {listRoles, ROLE_SORT_KEYS} from '../../../core/roles.js'
import type {PageOf} from '../../../domain/context.js'

export type TokensRolesListResult = PageOf<{name: string; description: string}>

export default class TokensRolesList extends AccessctlCommand {
  static override summary = 'List the built-in roles a token can be made from.'
  static override description = "Also at the top level, as in Dyff's CLI: accessctl roles list."
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> roles list   # the same, as Dyff spells it',
    "<%= config.bin %> <%= command.id %> --name 'Audit*' --sort name --order desc",
  ]

  static override flags = {...pageFlags, ...outputFlag, ...listFlags({matches: 'name', columns: ROLE_SORT_KEYS, defaultSort: 'name'})}

  async run(): Promise<TokensRolesListResult> {
    const {flags} = await this.parse(TokensRolesList)
    const page = pageOfList(listRoles(listQueryOf(flags)), flags)
    // A role is its name and description: wide has nothing to add.
    return this.show(page, pageViews(page, {columns: [{header: 'ROLE', value: (r) => r.name}, {header: 'DESCRIPTION', value: (r) => r.description}], name: (r) => r.name}))
  }
}
