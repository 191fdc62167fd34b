import {Args, Flags} from '@oclif/core'

import {AccessctlCommand, MAX_OFFSET} from '../../cli/base-command.js'
import {renderPage} from '../../cli/page.js'
import {renderLines} from '../../cli/output.js'
import {type CanIAnswer, canI} from '../../domain/can-i/answer.js'
import {type CanIList, canIList} from '../../domain/can-i/list.js'
import {parseCanIAction, parseCanITarget} from '../../domain/can-i/question.js'
import {UsageError, VerdictError} from '../../errors.js'

/** The answer to one question, or with --list the page of objects and what may be done on each. */
export type AuthCanIResult = CanIAnswer | CanIList

const LIST_LIMIT = 100

export default class AuthCanI extends AccessctlCommand {
  static override summary = 'May the caller (or --as an account) do ACTION on TARGET? Prints yes or no; exit 0 yes, 3 no.'
  static override description = `ACTION is create, read, write, deploy or administer (also: get/view for read, admin for administer). TARGET is service/ID, infra/ID or deployment/ID, or service or infra alone to ask about create. deploy service/S --infra I (or deploy infra/I --service S) asks about deploying S on I, as deployment create would, with --id ID as deployment create --id ID (a token may grant one deployment id and not another); deploy service/S alone asks about S's side only.

Like kubectl's, it answers about permission: an id already taken is still a yes. The answer comes from the same checks the commands make, token grants included; an object the caller may not see is a no, as the commands answer it with "not found".

--list (without ACTION and TARGET) lists every object the caller (or the --as account) may see, as the list commands show them, with what it holds on each and the actions can-i answers yes to there, a page at a time (--limit, --offset); --json adds whether it may create a service or an infrastructure.

--as ACCOUNT (an id or a name) answers for that account with its own rights, without a token's limits; it needs the operator, an admin key, or a token of a global administrator. --explain says why: what is needed, what is held on each object and through which group, and the account's groups and global privileges.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> deploy service/churn-model --infra dev-cluster',
    '<%= config.bin %> <%= command.id %> deploy service/churn-model --infra staging --id churn-model-canary',
    '<%= config.bin %> <%= command.id %> read deployment/churn-model-on-prod-eu --as bob@example.com --explain',
    '<%= config.bin %> <%= command.id %> deploy service/churn-model --infra prod-eu --as alice@example.com   # => no (exit 3)',
    '<%= config.bin %> <%= command.id %> create service --as alice@example.com',
    'ACCESSCTL_TOKEN="$TOKEN" <%= config.bin %> <%= command.id %> write service/churn-model --json',
    '<%= config.bin %> <%= command.id %> --list --as bob@example.com',
    'ACCESSCTL_TOKEN="$TOKEN" <%= config.bin %> <%= command.id %> --list --limit 20 --json',
  ]

  static override args = {
    action: Args.string({description: 'create, read, write, deploy or administer (not with --list).'}),
    target: Args.string({description: 'service/ID, infra/ID, deployment/ID; or service or infra for create (not with --list).'}),
  }

  static override flags = {
    as: Flags.string({description: 'Answer for this account (id or name) instead of the caller.'}),
    service: Flags.string({description: 'With deploy infra/I: the service to deploy there.', exclusive: ['list']}),
    infra: Flags.string({description: 'With deploy service/S: the infrastructure to deploy it on.', exclusive: ['list']}),
    id: Flags.string({description: 'With deploy: the id of the deployment to create, as deployment create --id (default SERVICE-on-INFRA).', exclusive: ['list']}),
    explain: Flags.boolean({description: 'Say what is needed, what is held, and through which groups.', exclusive: ['list']}),
    list: Flags.boolean({description: 'List every object the caller (or --as) may see and what it may do on each, instead of one question.'}),
    // Without a default, so that one given without --list is refused rather than ignored.
    limit: Flags.integer({description: `With --list: show at most this many objects (1-10000; default ${LIST_LIMIT}).`, min: 1, max: 10_000, dependsOn: ['list']}),
    offset: Flags.integer({description: `With --list: skip this many objects first, to page through (0-${MAX_OFFSET}).`, min: 0, max: MAX_OFFSET, dependsOn: ['list']}),
  }

  async run(): Promise<AuthCanIResult> {
    const {args, flags} = await this.parse(AuthCanI)
    if (flags.list) {
      if (args.action !== undefined) throw new UsageError('--list takes no ACTION or TARGET: it lists every object and the actions allowed on it')
      const list = canIList(await this.context(flags), {as: flags.as, limit: flags.limit ?? LIST_LIMIT, offset: flags.offset ?? 0})
      this.say(
        renderPage(list, [
          {header: 'KIND', value: (item) => item.kind},
          {header: 'ID', value: (item) => item.id},
          {header: 'PRIVILEGES', value: (item) => item.privileges.join(',')},
          {header: 'ACTIONS', value: (item) => item.actions.join(',')},
        ]),
      )
      return list
    }

    if (args.action === undefined || args.target === undefined) {
      throw new UsageError('give ACTION and TARGET (e.g. read service/churn), or --list')
    }

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
