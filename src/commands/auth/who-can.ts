import {Args, Flags} from '@oclif/core'

import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {renderPage} from '../../cli/page.js'
import {Rendered, renderLines} from '../../cli/output.js'
import {parseCanIAction, parseCanITarget} from '../../domain/can-i/question.js'
import {type NeedHolders, type WhoCanAccount, type WhoCanAnswer, whoCan} from '../../domain/can-i/who-can.js'

export type AuthWhoCanResult = WhoCanAnswer

export default class AuthWhoCan extends AccessctlCommand {
  static override summary = 'Every account that may do ACTION on TARGET, and why: the reverse of auth can-i --as.'
  static override description = `ACTION and TARGET are those of auth can-i (create, read, write, deploy or administer; service/ID, infra/ID, deployment/ID, or service or infra alone for create); deploy service/S --infra I (or deploy infra/I --service S) asks about deploying S on I, and needs deploy on both: the accounts listed hold both. An account is listed exactly when auth can-i ACTION TARGET --as ACCOUNT says yes. Accounts are ordered by name, a page at a time; --json gives the page, what the action needs and which groups give it, and for each account what gives it each need (the owner, a global-admin group, a group's privileges on the object, everyone).

It needs the operator, an admin key, or a token of a global administrator, as auth can-i --as does. An object that does not exist is exit 4.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> deploy service/churn-model --infra prod-eu',
    '<%= config.bin %> <%= command.id %> read deployment/churn-model-on-prod-eu --explain',
    '<%= config.bin %> <%= command.id %> administer service/churn-model --limit 10 --json',
    '<%= config.bin %> <%= command.id %> create service',
    'ACCESSCTL_TOKEN="$TOKEN" <%= config.bin %> <%= command.id %> read service/churn-model   # Error: permission denied: auth.who-can needs a global administrator ... (exit 3)',
  ]

  static override args = {
    action: Args.string({description: 'create, read, write, deploy or administer.', required: true}),
    target: Args.string({description: 'service/ID, infra/ID, deployment/ID; or service or infra for create.', required: true}),
  }

  static override flags = {
    ...pageFlags,
    service: Flags.string({description: 'With deploy infra/I: the service to deploy there.'}),
    infra: Flags.string({description: 'With deploy service/S: the infrastructure to deploy it on.'}),
    id: Flags.string({description: 'With deploy: the id of the deployment to create, as deployment create --id (default SERVICE-on-INFRA).'}),
    explain: Flags.boolean({description: 'Say what the action needs, which groups give it, and for each account what gives it each need.'}),
  }

  async run(): Promise<AuthWhoCanResult> {
    const {args, flags} = await this.parse(AuthWhoCan)
    const action = parseCanIAction(args.action)
    const target = parseCanITarget(args.target)
    const question = {action, target, service: flags.service, infra: flags.infra, id: flags.id}
    const answer = whoCan(await this.context(flags), question, {limit: flags.limit, offset: flags.offset})
    const columns = [
      {header: 'ID', value: (account: WhoCanAccount) => account.id},
      {header: 'NAME', value: (account: WhoCanAccount) => account.name},
    ]
    if (!flags.explain) {
      this.say(renderPage(answer, columns))
      return answer
    }

    const table = renderPage(answer, [...columns, {header: 'VIA', value: (account: WhoCanAccount) => via(account)}])
    this.say(new Rendered([renderLines(explanation(answer)).text, table.text].filter((text) => text !== '').join('\n')))
    return answer
  }
}

const what = (need: Pick<NeedHolders, 'kind' | 'id' | 'privilege'>) =>
  need.kind === 'global' ? `the global privilege ${need.privilege}` : `${need.privilege} on ${need.kind} ${need.id}`

function explanation(answer: WhoCanAnswer): string[] {
  const lines = [`who can ${answer.action} ${answer.target}:`]
  for (const need of answer.needs) {
    const givers = [...(need.owner === null ? [] : [`owner ${need.ownerName ?? '(deleted)'} (${need.owner})`]), ...need.groups.map((row) => `${row.group} (${row.privileges.join(', ')})`)]
    lines.push(`  needs ${what(need)}, given by ${givers.length === 0 ? 'nobody' : givers.join(', ')}`)
  }

  return lines
}

/** One need: what gives it; two (a deployment): each prefixed with its object. */
function via(account: WhoCanAccount): string {
  if (account.via.length === 1) return account.via[0].through.join(', ')
  return account.via.map((need) => `${need.kind} ${need.id}: ${need.through.join(', ')}`).join('; ')
}
