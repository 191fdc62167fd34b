import {Args, Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {renderLines} from '../../cli/output.js'
import {deprecationNote} from '../../core/grant-input.js'
import {checkToken, type TokenCheck} from '../../domain/token-check.js'
import {INPUT_LIMITS, readSecretFromStdin} from '../../cli/input.js'
import {UsageError, VerdictError} from '../../errors.js'

export type TokensCheckResult = TokenCheck

const mark = (ok: boolean) => (ok ? 'yes' : 'no')

export default class TokensCheck extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Does a token allow a function on a resource? Exit 0 allowed, 3 denied or invalid.'
  static override description = `Verifies the token first (an invalid token is denied with its reason), then evaluates its grants: a grant allows the request when it has the resource, the function, and the account or the entity; * matches anything. --explain prints every grant and which parts matched. Needs no credential. Dyff's old names are read with a warning on stderr: -f download or upload as data; -f strata and -r tasks as written.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> "$TOKEN" -f consume -r datasets -a test',
    '<%= config.bin %> <%= command.id %> "$TOKEN" -f get -r models -a aeb78193c526484fa4f5c14d182ba039 --explain',
    '<%= config.bin %> <%= command.id %> "$CLIENT_TOKEN" -f consume -r deployments -e churn-model-on-prod-eu --json',
    '<%= config.bin %> <%= command.id %> "$CLIENT_TOKEN" -f edit -r services -e churn-model   # no grant allows it (exit 3)',
    'printf %s "$TOKEN" | <%= config.bin %> <%= command.id %> - -f consume -r datasets -a test   # the token from stdin, not argv',
  ]

  static override credentialFree = true
  static override args = {
    token: Args.string({
      description: 'The token to check, or - to read it from the first line of stdin (other users can read arguments in /proc, not stdin).',
      required: true,
    }),
  }
  static override flags = {
    function: Flags.string({char: 'f', description: 'The function asked for, e.g. consume or get.', required: true}),
    resource: Flags.string({char: 'r', description: 'The resource type, e.g. datasets.', required: true}),
    account: Flags.string({char: 'a', description: 'The account owning the object (id or name; public for public objects).'}),
    entity: Flags.string({char: 'e', description: 'The id of the object.'}),
    explain: Flags.boolean({description: 'Print each grant and which of its parts matched.'}),
  }

  async run(): Promise<TokensCheckResult> {
    const {args, flags} = await this.parse(TokensCheck)
    const {store} = await this.context(flags)
    const request = {function: flags.function, resource: flags.resource, account: flags.account ?? null, entity: flags.entity ?? null}
    const token = args.token === '-' ? readSecretFromStdin('a token', INPUT_LIMITS.tokenLine) : args.token
    if (token === '') throw new UsageError('no token on stdin', {hint: 'Write the token to stdin, or give it as the argument.'})
    const {check} = checkToken(store, token, request)
    for (const note of [deprecationNote('function', flags.function), deprecationNote('resource', flags.resource)]) if (note) this.warnDeprecated(note)
    if (flags.explain) this.explain(check)
    if (!check.valid) throw new VerdictError(`invalid token: ${check.reason}`, check)
    if (!check.allowed) throw new VerdictError(`denied: no grant of token ${check.jti} allows '${check.request.function}' on '${check.request.resource}'`, check)
    this.say(`allowed by grant ${check.matchedGrant}`)
    return check
  }

  private explain(check: TokenCheck): void {
    const {request} = check
    this.say(`request: function=${request.function} resource=${request.resource} account=${request.account ?? '-'} entity=${request.entity ?? '-'}`)
    for (const t of check.trace) {
      const list = (values: string[]) => `[${values.join(', ')}]`
      this.say(
        renderLines([
          `grant ${t.index}: ${t.matched ? 'MATCHES' : 'no match'}`,
          `  resources ${list(t.grant.resources)}: ${mark(t.resource)}`,
          `  functions ${list(t.grant.functions)}: ${mark(t.function)}`,
          `  accounts  ${list(t.grant.accounts)}: ${mark(t.account)}`,
          `  entities  ${list(t.grant.entities)}: ${mark(t.entity)}`,
        ]),
      )
    }
  }
}
