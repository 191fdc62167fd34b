import {Args} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {outputFlag} from '../../cli/output-shape.js'
import {Rendered, renderFields, renderYaml} from '../../cli/output.js'
import {yamlText} from '../../core/yaml-text.js'
import {getToken, type TokenRecord} from '../../domain/tokens.js'

export type TokensGetResult = TokenRecord

export default class TokensGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show one recorded token: its account, grants, dates and status (never the token).'
  static override examples = ['<%= config.bin %> <%= command.id %> "$JTI"', '<%= config.bin %> <%= command.id %> "$JTI" -o yaml']
  static override args = {jti: Args.string({description: 'The token id (jti), as tokens list shows it.', required: true})}
  static override flags = {...outputFlag}

  async run(): Promise<TokensGetResult> {
    const {args, flags} = await this.parse(TokensGet)
    const token = getToken(await this.context(flags), args.jti)
    const show = this.display()
    const fields = (wide: boolean) =>
      renderFields([
        ['id', token.jti],
        ['account', token.accountName ? `${token.accountName} (${token.accountId})` : token.accountId],
        ['type', token.type],
        ['role', token.role],
        ['label', token.label],
        ['created', `${show.time(token.createdAt)} by ${show.actor(token.createdBy)}`],
        ['expires', show.time(token.expiresAt)],
        ['revoked', token.revokedAt === null ? null : show.time(token.revokedAt)],
        ['status', token.status],
        ['signing key', token.kid],
        ...(wide ? [['account id', token.accountId], ['created by', token.createdBy]] as const : []),
      ])
    return this.show(token, {
      human: (wide) => new Rendered(`${fields(wide).text}\n${renderYaml(yamlText({grants: token.grants})).text}`),
      names: () => [token.jti],
    })
  }
}
