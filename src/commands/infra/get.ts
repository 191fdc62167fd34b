import {AccessctlCommand} from '../../cli/base-command.js'
import {infraFields, infraIdArg} from '../../cli/deployer-views.js'
import {outputFlag, withFields} from '../../cli/output-shape.js'
import {getInfra, type InfrastructureDetails} from '../../domain/infrastructures.js'

export type InfraGetResult = InfrastructureDetails

export default class InfraGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show one infrastructure.'
  static override description = `Shows the infrastructure's stage, owner, deployment count and the privileges you hold on it. Needs view; an infrastructure you may not view is reported as not found (exit 4).`

  static override examples = ['<%= config.bin %> <%= command.id %> prod-eu', '<%= config.bin %> <%= command.id %> prod-eu -o yaml']
  static override args = {id: infraIdArg}
  static override flags = {...outputFlag}

  async run(): Promise<InfraGetResult> {
    const {args, flags} = await this.parse(InfraGet)
    const infra = getInfra(await this.context(flags), args.id)
    const show = this.display()
    return this.show(infra, {
      human: (wide) => withFields(infraFields(infra, show), wide ? [['owner id', infra.ownerAccountId], ['created by', infra.createdBy]] : []),
      names: () => [infra.id],
    })
  }
}
