import {AccessctlCommand} from '../../cli/base-command.js'
import {renderFields, renderYaml} from '../../cli/output.js'
import {yamlText} from '../../core/yaml-text.js'
import {whoAmI, type WhoAmI} from '../../domain/whoami.js'

export type AuthWhoamiResult = WhoAmI

export default class AuthWhoami extends AccessctlCommand {
  static override summary = 'Show who the caller is: operator, admin key, or a token and its account.'
  static override description = `Resolves the credential as every command does (--token / ACCESSCTL_TOKEN, --admin-key / ACCESSCTL_ADMIN_KEY, or neither: the local operator) and shows it. For a token: the account's id and name, its groups (every account is in 'everyone'), its global privileges (admin, may create services), and the token's id, type, expiry and grants. For an admin key: its id, label and expiry. For the operator: the OS user. An invalid or expired credential is exit 3 with the reason, as for any command.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'ACCESSCTL_TOKEN="$TOKEN" <%= config.bin %> <%= command.id %> --json',
    'ACCESSCTL_ADMIN_KEY="$ADMIN_KEY" <%= config.bin %> <%= command.id %>',
  ]

  async run(): Promise<AuthWhoamiResult> {
    const {flags} = await this.parse(AuthWhoami)
    const me = whoAmI(await this.context(flags))
    switch (me.kind) {
      case 'operator': {
        this.say(renderFields([['caller', 'operator with full rights (no credential)'], ['user', me.user]]))
        break
      }

      case 'admin-key': {
        this.say(
          renderFields([
            ['caller', 'admin key with full rights'],
            ['key id', me.keyId],
            ['label', me.label],
            ['expires', me.expiresAt ?? 'never'],
          ]),
        )
        break
      }

      case 'token': {
        const {globalPrivileges: privileges} = me
        const global = [privileges.admin && 'admin', privileges.mayCreateServices && 'may-create-services'].filter(Boolean).join(', ')
        this.say(
          renderFields([
            ['caller', `${me.token.type} token`],
            ['account', me.account.id],
            ['name', me.account.name ?? '(deleted)'],
            ['groups', me.groups.join(', ')],
            ['global privileges', global || 'none'],
            ['token id', me.token.jti],
            ['issued', me.token.issuedAt],
            ['expires', me.token.expiresAt],
          ]),
        )
        this.say(renderYaml(yamlText({grants: me.token.grants})))
        break
      }
    }

    return me
  }
}
