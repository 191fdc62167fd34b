import {AccessctlCommand} from '../../cli/base-command.js'
import {type FieldValue, renderFields, renderYaml} from '../../cli/output.js'
import {type ContextChoice, describeSource, type ResolvedSettings, type SettingSource} from '../../core/contexts.js'
import {yamlText} from '../../core/yaml-text.js'
import {whoAmI, type WhoAmI} from '../../domain/whoami.js'

/** Where the store and the credential came from, to debug which of flag, environment, context or default won. */
export interface SettingsSources {
  context: ContextChoice | null
  store: {path: string; from: SettingSource}
  credential: {from: SettingSource; file: string | null}
}

export type AuthWhoamiResult = WhoAmI & {settings: SettingsSources}

export default class AuthWhoami extends AccessctlCommand {
  static override summary = 'Show who the caller is: operator, admin key, or a token and its account.'
  static override description = `Resolves the credential as every command does (--token / ACCESSCTL_TOKEN, --admin-key / ACCESSCTL_ADMIN_KEY, or neither: the local operator) and shows it. For a token: the account's id and name, its groups (every account is in 'everyone'), its global privileges (admin, may create services), and the token's id, type, expiry and grants. For an admin key: its id, label and expiry. For the operator: the OS user. Then which context is in use (and whether --context, ACCESSCTL_CONTEXT or the config file chose it), and where the store and the credential came from: flag, environment, context NAME or default. An invalid or expired credential is exit 3 with the reason, as for any command.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    'ACCESSCTL_TOKEN="$TOKEN" <%= config.bin %> <%= command.id %> --json',
    'ACCESSCTL_ADMIN_KEY="$ADMIN_KEY" <%= config.bin %> <%= command.id %>',
  ]

  async run(): Promise<AuthWhoamiResult> {
    const {flags} = await this.parse(AuthWhoami)
    const me = whoAmI(await this.context(flags))
    const settings = sourcesOf(await this.settings(flags))
    switch (me.kind) {
      case 'operator': {
        this.say(renderFields([['caller', 'operator with full rights (no credential)'], ['user', me.user], ...settingsFields(settings)]))
        break
      }

      case 'admin-key': {
        this.say(
          renderFields([
            ['caller', 'admin key with full rights'],
            ['key id', me.keyId],
            ['label', me.label],
            ['expires', me.expiresAt ?? 'never'],
            ...settingsFields(settings),
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
            ...settingsFields(settings),
          ]),
        )
        this.say(renderYaml(yamlText({grants: me.token.grants})))
        break
      }
    }

    return {...me, settings}
  }
}

function sourcesOf(settings: ResolvedSettings): SettingsSources {
  return {
    context: settings.context ?? null,
    store: settings.store,
    credential: {from: settings.credential.from, file: settings.credential.file?.path ?? null},
  }
}

const CHOSEN_BY = {flag: '--context', environment: 'ACCESSCTL_CONTEXT', 'config file': 'current-context'} as const

function settingsFields({context, store, credential}: SettingsSources): Array<[string, FieldValue]> {
  const chosen = context ?? undefined
  return [
    ['context', context ? `${context.name} (${CHOSEN_BY[context.from]})` : null],
    ['store', store.path],
    ['store from', describeSource(store.from, chosen)],
    ['credential from', describeSource(credential.from, chosen)],
    ...(credential.file === null ? [] : [['credential file', credential.file] as [string, FieldValue]]),
  ]
}
