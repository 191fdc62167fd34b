import {AccessctlCommand, yesFlag} from '../../cli/base-command.js'
import {infraIdArg} from '../../cli/deployer-views.js'
import {deleteInfra, getInfra, type Infrastructure} from '../../domain/infrastructures.js'

export type InfraDeleteResult = Infrastructure

export default class InfraDelete extends AccessctlCommand {
  static override summary = 'Delete an infrastructure and its permissions.'
  static override description = `Deletes the infrastructure. Refused (exit 5) while it has deployments: delete those first. Needs admin on it. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = ['<%= config.bin %> <%= command.id %> old-cluster --yes']
  static override args = {id: infraIdArg}
  static override flags = {...yesFlag}

  async run(): Promise<InfraDeleteResult> {
    const {args, flags} = await this.parse(InfraDelete)
    const ctx = await this.context(flags)
    const infra = getInfra(ctx, args.id)
    await this.confirm(`Delete infrastructure '${infra.id}' (${infra.stage})?`, flags.yes, () => deleteInfra(ctx, args.id))
    const deleted = deleteInfra(ctx, args.id)
    this.say(`deleted infrastructure: '${deleted.id}'`)
    return deleted
  }
}
