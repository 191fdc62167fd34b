import {Args, Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {INFRA_STAGES} from '../../core/deployer.js'
import {createInfra, type Infrastructure} from '../../domain/infrastructures.js'

const stageOptions = {description: `The stage: ${INFRA_STAGES.join(', ')} (case does not matter).`} as const
export const stageFlag = Flags.string(stageOptions)

export type InfraCreateResult = Infrastructure

export default class InfraCreate extends AccessctlCommand {
  static override summary = 'Create an infrastructure (global administrators only).'
  static override description = `Creates an infrastructure that services can be deployed on. Only global administrators may (for a token: its account is in a group with --admin); the operator and admin keys may too. Then grant groups view, deploy or admin on it with infra permissions set.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> qa-cluster --stage Test',
    '<%= config.bin %> <%= command.id %> prod-us --stage Production',
  ]

  static override args = {
    id: Args.string({description: 'The infrastructure id: 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit.', required: true}),
  }

  static override flags = {stage: Flags.string({...stageOptions, required: true})}

  async run(): Promise<InfraCreateResult> {
    const {args, flags} = await this.parse(InfraCreate)
    const infra = createInfra(await this.context(flags), {id: args.id, stage: flags.stage})
    this.say(`created infrastructure: '${infra.id}' (${infra.stage})`)
    return infra
  }
}
