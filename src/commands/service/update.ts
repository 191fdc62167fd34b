import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {serviceIdArg} from '../../cli/deployer-views.js'
import {type Service, updateService} from '../../domain/services.js'

export type ServiceUpdateResult = Service

export default class ServiceUpdate extends AccessctlCommand {
  static override summary = "Change an API service's query access."
  static override description = `Makes the service public (clients need no key) or not (clients need one of its keys). Deployments in 'inherit' auth mode follow this setting. Needs admin on the service.`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model --no-public', '<%= config.bin %> <%= command.id %> churn-model --public']
  static override args = {id: serviceIdArg}
  static override flags = {
    public: Flags.boolean({description: 'Let clients query it without a key; --no-public requires one of its keys.', allowNo: true}),
  }

  async run(): Promise<ServiceUpdateResult> {
    const {args, flags} = await this.parse(ServiceUpdate)
    const service = updateService(await this.context(flags), args.id, {public: flags.public})
    this.say(`updated service: '${service.id}' (${service.public ? 'public' : 'keys required'})`)
    return service
  }
}
