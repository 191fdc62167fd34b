import {Args, Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {renderLines} from '../../cli/output.js'
import {type CanIAnswer, canI} from '../../domain/can-i/answer.js'
import {parseCanIAction, parseCanITarget} from '../../domain/can-i/question.js'
import {VerdictError} from '../../errors.js'

export type AuthCanIResult = CanIAnswer

export default class AuthCanI extends AccessctlCommand {
  static override summary = 'May the caller (or --as an account) do ACTION on TARGET? Prints yes or no; exit 0 yes, 3 no.'
  static override description = `ACTION is create, read, write, deploy or administer (also: get/view for read, admin for
administer). TARGET is service/ID, infra/ID or deployment/ID, or service or infra alone to ask about create.
deploy service/S --infra I (or deploy infra/I --service S) asks about deploying S on I, as deployment create would,
with --id ID as deployment create --id ID (a token may grant one deployment id and not another); deploy service/S
alone asks about S's side only. Like kubectl's, it answers about permission: an id already taken is still a yes. The answer comes from the same checks the commands make, token
grants included; an object the caller may not see is a no, as the commands answer it with "not found".

--as ACCOUNT (an id or a name) answers for that account with its own rights, without a token's limits; it needs the
operator, an admin key, or a token of a global administrator. --explain says why: what is needed, what is held on
each object and through which group, and the account's groups and global privileges.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> deploy service/churn-model --infra dev-cluster',
    '<%= config.bin %> <%= command.id %> deploy service/churn-model --infra staging --id churn-model-canary',
    '<%= config.bin %> <%= command.id %> read deployment/churn-model-on-prod-eu --as bob@example.com --explain',
    '<%= config.bin %> <%= command.id %> deploy service/churn-model --infra prod-eu --as alice@example.com   # => no (exit 3)',
    '<%= config.bin %> <%= command.id %> create service --as alice@example.com',
    'ACCESSCTL_TOKEN="$TOKEN" <%= config.bin %> <%= command.id %> write service/churn-model --json',
  ]

  static override args = {
    action: Args.string({description: 'create, read, write, deploy or administer.', required: true}),
    target: Args.string({description: 'service/ID, infra/ID, deployment/ID; or service or infra for create.', required: true}),
  }

  static override flags = {
    as: Flags.string({description: 'Answer for this account (id or name) instead of the caller.'}),
    service: Flags.string({description: 'With deploy infra/I: the service to deploy there.'}),
    infra: Flags.string({description: 'With deploy service/S: the infrastructure to deploy it on.'}),
    id: Flags.string({description: 'With deploy: the id of the deployment to create, as deployment create --id (default SERVICE-on-INFRA).'}),
    explain: Flags.boolean({description: 'Say what is needed, what is held, and through which groups.'}),
  }

  async run(): Promise<AuthCanIResult> {
    const {args, flags} = await this.parse(AuthCanI)
    const action = parseCanIAction(args.action)
    const target = parseCanITarget(args.target)
    const answer = canI(await this.context(flags), {action, target, as: flags.as, service: flags.service, infra: flags.infra, id: flags.id})
    if (flags.explain) this.say(renderLines(explanation(answer)))
    if (!answer.allowed) {
      // "no" on stdout, as kubectl auth can-i prints it; the reason on stderr, as the error of exit 3.
      this.say('no')
      throw new VerdictError(answer.reason ?? 'no', answer)
    }

    this.say('yes')
    return answer
  }
}

function explanation(answer: CanIAnswer): string[] {
  const {subject} = answer
  const who =
    subject.kind === 'account'
      ? `account ${subject.accountName ?? '(deleted)'} (${subject.accountId})${subject.viaToken ? ', through its token' : ', its own rights (--as)'}`
      : `${subject.kind}: full rights`
  const lines = [`${answer.action} ${answer.target} as ${who}`]
  for (const need of answer.needs) {
    const on = need.kind === 'global' ? 'the global privilege' : `on ${need.kind} ${need.id}`
    lines.push(`  needs ${need.privilege} ${on}: ${need.held ? 'held' : 'MISSING'}`)
  }

  for (const standing of answer.standing) {
    const via = standing.viaGroups.map((row) => `${row.group} (${row.privileges.join(', ')})`)
    const sources = [...(standing.owner ? ['owner of it'] : []), ...(answer.globalPrivileges?.admin ? ['global admin'] : []), ...via]
    lines.push(
      `  holds ${standing.privileges.length === 0 ? 'nothing' : standing.privileges.join(', ')} on ${standing.kind} ${standing.id}` +
        (sources.length === 0 ? '' : ` via ${sources.join(', ')}`),
    )
  }

  if (subject.kind === 'account') {
    const global = answer.globalPrivileges
    const privileges = [global?.admin && 'admin', global?.mayCreateServices && 'may-create-services'].filter(Boolean)
    lines.push(`  groups: [${answer.groups.join(', ')}]; global privileges: ${privileges.length === 0 ? 'none' : privileges.join(', ')}`)
  }

  if (answer.reason) lines.push(`  why not: ${answer.reason}`)
  return lines
}
