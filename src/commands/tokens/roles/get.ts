import {Args, Flags} from '@oclif/core'
import {stringify} from 'yaml'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {renderLines} from '../../../cli/output.js'
import {validateAccountId} from '../../../core/names.js'
import {roleGrants} from '../../../domain/tokens.js'

export type TokensRolesGetResult = ReturnType<typeof roleGrants>

export default class TokensRolesGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show the grants a role expands to for an account, as YAML.'
  static override description = `The output is a valid token config: save it, edit it and pass it to tokens create -c FILE.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> AuditDeveloper -i aeb78193c526484fa4f5c14d182ba039',
    '<%= config.bin %> <%= command.id %> Admin -i aeb78193c526484fa4f5c14d182ba039 --json',
  ]

  static override args = {role: Args.string({description: 'The role name: Admin or AuditDeveloper.', required: true})}
  static override flags = {id: Flags.string({char: 'i', description: 'The account id the role is expanded for.', required: true})}

  async run(): Promise<TokensRolesGetResult> {
    const {args, flags} = await this.parse(TokensRolesGet)
    const expansion = roleGrants(args.role, validateAccountId(flags.id))
    this.say(renderLines(stringify({account: expansion.accountId, grants: expansion.grants}, {aliasDuplicateObjects: false}).trimEnd().split('\n')))
    return expansion
  }
}
