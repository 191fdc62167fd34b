import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {accountFlag, accountIdsOf} from '../../../cli/flags.js'
import {outputFlag} from '../../../cli/output-shape.js'
import {Document} from '../../../cli/output.js'
import {isAccountId} from '../../../core/names.js'
import {roleGrants} from '../../../core/roles.js'
import {yamlText} from '../../../core/yaml-text.js'

export type TokensRolesGetResult = ReturnType<typeof roleGrants>

export default class TokensRolesGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show the grants a role expands to for an account, as YAML.'
  static override description = `The output is a valid token config: save it, edit it and pass it to tokens create -c FILE. Also at the top level, as in Dyff's CLI: accessctl roles get ROLE -i ID.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> AuditDeveloper -i aeb78193c526484fa4f5c14d182ba039',
    '<%= config.bin %> <%= command.id %> Admin -i aeb78193c526484fa4f5c14d182ba039 --json',
    '<%= config.bin %> roles get AuditDeveloper -i aeb78193c526484fa4f5c14d182ba039   # the same, as Dyff spells it',
  ]

  static override args = {role: Args.string({description: 'The role name: Admin or AuditDeveloper.', required: true})}
  static override flags = {id: accountFlag({description: 'The account the role is expanded for, by id or name (a name is looked up in the store).', required: true}), ...outputFlag}

  async run(): Promise<TokensRolesGetResult> {
    const {args, flags} = await this.parse(TokensRolesGet)
    // An id needs no store (the expansion is pure); only a name is looked up, in a store that must exist.
    const accountId = isAccountId(flags.id) ? flags.id : accountIdsOf(await this.context(flags), [flags.id])[0]
    const expansion = roleGrants(args.role, accountId)
    return this.show(expansion, {
      // Its human output is already a YAML document, which wide has nothing to add to.
      human: () => {
        this.printDocument(Document.yaml(yamlText({account: expansion.accountId, grants: expansion.grants})))
        return undefined
      },
      names: () => [expansion.role],
    })
  }
}
