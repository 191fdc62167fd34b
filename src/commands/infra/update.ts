import {AccessctlCommand} from '../../cli/base-command.js'
import {infraIdArg} from '../../cli/deployer-views.js'
import {type Infrastructure, updateInfra} from '../../domain/infrastructures.js'
import {stageFlag} from './create.js'

export type InfraUpdateResult = Infrastructure

export default class InfraUpdate extends AccessctlCommand {
  static override summary = "Change an infrastructure's stage."
  static override description = 'Moves the infrastructure to another stage. Needs admin on the infrastructure.'
  static override examples = ['<%= config.bin %> <%= command.id %> staging --stage Test']
  static override args = {id: infraIdArg}
  static override flags = {stage: stageFlag}

  async run(): Promise<InfraUpdateResult> {
    const {args, flags} = await this.parse(InfraUpdate)
    const infra = updateInfra(await this.context(flags), args.id, {stage: flags.stage})
    this.say(`updated infrastructure: '${infra.id}' (${infra.stage})`)
    return infra
  }
}
