import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {accountFlag, durationFlag, labelFlag, splitList} from '../../cli/flags.js'
import {Document} from '../../cli/output.js'
import {closeInput, formatBytes, INPUT_LIMITS, openInput, readAllText} from '../../cli/input.js'
import {isInteractive} from '../../cli/prompts.js'
import {promptToken} from '../../cli/token-prompts.js'
import {grantDeprecationNotes, grantFromFlags, missingGrantSource} from '../../core/grant-input.js'
import {parseTokenConfig} from '../../core/token-config.js'
import {type CreatedToken, type CreateTokenInput, createToken} from '../../domain/token-mint.js'

export type TokensCreateResult = Omit<CreatedToken, 'warning'>

const GRANT_FLAGS = ['function', 'resource', 'account', 'entity']

export default class TokensCreate extends AccessctlCommand {
  static override summary = 'Create a signed API token for an account.'
  static override description = `Signs a JWT (EdDSA) for the account and prints it alone on stdout, so T=$(accessctl tokens create ...) works. Say what it grants in one of three ways: a role (--role), grant flags (-f/-r with -a/-e), or a config file (-c FILE, or -c - for stdin) holding {account: ID, grants: [...]} as YAML or JSON.

On a terminal with none of them, you are asked: the account (without -i), a role or one or more custom grants, the ttl and the label (without --ttl, --label), each answer checked as given; then a review to submit, edit or cancel.

An account token is recorded (never the token itself) and can be revoked; an ephemeral token is not recorded, cannot be revoked on its own, and lives at most 24h. Earlier tokens of the account stay valid, unless --revoke-others: then the new token replaces them (as on Dyff), all revoked in the transaction that records it. A token made with a token (--token or ACCESSCTL_TOKEN) is its child: it grants no more, lives no longer, names its ancestors (at most 8) in its claims, and ends when any of them is revoked.

Dyff's old names are read with a warning on stderr: functions download and upload as data; strata and the resource tasks, which have no current name, as written (they allow nothing).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> -t account -i aeb78193c526484fa4f5c14d182ba039 --role AuditDeveloper',
    "<%= config.bin %> <%= command.id %> -t account -f 'consume' -a 'test' -r 'datasets,models' -i aeb78193c526484fa4f5c14d182ba039",
    '<%= config.bin %> <%= command.id %> -t account -c config.yaml',
    `<%= config.bin %> <%= command.id %> -t account -c - <<EOF
account: aeb78193c526484fa4f5c14d182ba039
grants:
- resources: [datasets, models]
  functions: [consume]
  accounts: [test]
EOF`,
    '<%= config.bin %> <%= command.id %> -t ephemeral -i aeb78193c526484fa4f5c14d182ba039 --role Admin --ttl 30m',
    '<%= config.bin %> <%= command.id %> -t account -i aeb78193c526484fa4f5c14d182ba039 --role AuditDeveloper --revoke-others',
  ]

  static override flags = {
    type: Flags.option({
      char: 't',
      description: 'account (recorded, revocable; default ttl 90d) or ephemeral (not recorded; default ttl 1h, at most 24h).',
      options: ['account', 'ephemeral'] as const,
      default: 'account' as const,
    })(),
    id: accountFlag({description: 'The account the token acts as, by id or name. May be left out when the config names it.'}),
    role: Flags.string({
      description: 'A built-in role: Admin or AuditDeveloper (see: accessctl tokens roles list).',
      exclusive: ['config', ...GRANT_FLAGS],
    }),
    // Singular, as in tokens check, so that each short flag has one long name; the plural forms stay as aliases.
    function: Flags.string({
      char: 'f',
      aliases: ['functions'],
      description: 'Functions the grant allows, comma-separated; repeatable. Needs -r.',
      multiple: true,
      exclusive: ['config'],
    }),
    resource: Flags.string({
      char: 'r',
      aliases: ['resources'],
      description: 'Resource types the grant covers, comma-separated; repeatable. Needs -f.',
      multiple: true,
      exclusive: ['config'],
    }),
    account: Flags.string({
      char: 'a',
      aliases: ['accounts'],
      description: 'Accounts (ids or names; public and * as they are) whose objects the grant covers, comma-separated; repeatable. Default: the token\'s own account.',
      multiple: true,
      exclusive: ['config'],
    }),
    entity: Flags.string({
      char: 'e',
      aliases: ['entities'],
      description: 'Object ids the grant covers, comma-separated; repeatable.',
      multiple: true,
      exclusive: ['config'],
    }),
    config: Flags.string({
      char: 'c',
      description: `A YAML or JSON file with {account, grants}, at most ${formatBytes(INPUT_LIMITS.tokenConfig)}; - reads it from stdin (a heredoc works).`,
      exclusive: ['role', ...GRANT_FLAGS],
    }),
    ttl: durationFlag('ttl', 'How long the token lives: a duration like 30m, 12h or 90d. Default 90d (account), 1h (ephemeral).'),
    label: labelFlag('A note shown in tokens list, e.g. what the token is for'),
    'revoke-others': Flags.boolean({
      description:
        "Revoke every earlier token of the account (ephemeral ones and their descendants too) in the transaction that records this one, as Dyff's new tokens replace the old. Needs -t account, and the right to revoke the account's tokens as well as to create them.",
    }),
  }

  async run(): Promise<TokensCreateResult> {
    const {flags} = await this.parse(TokensCreate)
    const input: CreateTokenInput = {
      type: flags.type,
      account: flags.id,
      role: flags.role,
      ttlSeconds: flags.ttl,
      label: flags.label,
      revokeOthers: flags['revoke-others'],
    }
    const hasGrantFlags = GRANT_FLAGS.some((name) => flags[name as keyof typeof flags] !== undefined)
    if (hasGrantFlags) {
      input.grants = [
        grantFromFlags({
          functions: splitList(flags.function),
          resources: splitList(flags.resource),
          accounts: splitList(flags.account),
          entities: splitList(flags.entity),
        }, {accounts: flags.account !== undefined, entities: flags.entity !== undefined}),
      ]
    }

    if (flags.config !== undefined) {
      const config = openInput(flags.config, 'a token config')
      try {
        const text = readAllText(config, {what: 'a token config', cap: INPUT_LIMITS.tokenConfig, strictUtf8: true})
        input.config = parseTokenConfig(text, config.name)
      } finally {
        closeInput(config)
      }
    }

    if (input.role === undefined && input.grants === undefined && input.config === undefined) {
      if (!isInteractive()) throw missingGrantSource()
      // The caller is resolved first, so a bad credential stops before any question, and answers are checked in the store.
      Object.assign(input, await promptToken(await this.context(flags), input))
    }

    // On stderr even with --json: stdout stays the token or the document, and the old name must not go unnoticed.
    for (const note of grantDeprecationNotes(input.grants ?? input.config?.grants ?? [])) this.warnDeprecated(note)
    const created = await createToken(await this.context(flags), input)
    if (created.warning) this.warnUser(created.warning)
    this.printDocument(Document.credential(created.token))
    const {warning: _warning, ...result} = created
    return result
  }
}
