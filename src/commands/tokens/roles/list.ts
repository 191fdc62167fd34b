import {AccessctlCommand, pageFlags} from '../../../cli/base-command.js'
import {outputFlag, pageViews} from '../../../cli/output-shape.js'
import {pageOfList} from '../../../cli/page.js'
import {ROLES} from '../../../core/roles.js'
import type {PageOf} from '../../../domain/context.js'

export type TokensRolesListResult = PageOf<{name: string; description: string}>

export default class TokensRolesList extends AccessctlCommand {
  static override summary = 'List the built-in roles a token can be made from.'
  static override description = "Also at the top level, as in Dyff's CLI: accessctl roles list."
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> roles list   # the same, as Dyff spells it']
  static override flags = {...pageFlags, ...outputFlag}

  async run(): Promise<TokensRolesListResult> {
    const {flags} = await this.parse(TokensRolesList)
    const page = pageOfList(
      ROLES.map(({name, description}) => ({name, description})),
      flags,
    )
    // A role is its name and description: wide has nothing to add.
    return this.show(page, pageViews(page, {columns: [{header: 'ROLE', value: (r) => r.name}, {header: 'DESCRIPTION', value: (r) => r.description}], name: (r) => r.name}))
  }
}
