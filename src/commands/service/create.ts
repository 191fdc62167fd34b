import {Args, Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {createService, type Service} from '../../domain/services.js'

export type ServiceCreateResult = Service

export default class ServiceCreate extends AccessctlCommand {
  static override summary = 'Create an API service.'
  static override description = `Creates an API service. A token caller needs a group with --may-create-services (or a global administrator) and its account becomes the owner, which holds admin on the service. The operator and admin keys may name the owner with --owner; without it their services have no owner account. New services are public: clients may query them without a key. Who may SEE the service is a separate matter of read permissions (service permissions set).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> weather',
    '<%= config.bin %> <%= command.id %> fraud-scoring --no-public --owner alice@example.com',
  ]

  static override args = {
    id: Args.string({description: 'The service id: 1-128 of A-Z a-z 0-9 . _ -, starting with a letter or digit.', required: true}),
  }

  static override flags = {
    public: Flags.boolean({
      description: 'Let clients query it without a key (the default); --no-public requires one of its keys.',
      allowNo: true,
    }),
    owner: Flags.string({
      description: "The owning account, by id or name. Only for the operator and admin keys; a token's services belong to its account.",
    }),
  }

  async run(): Promise<ServiceCreateResult> {
    const {args, flags} = await this.parse(ServiceCreate)
    const service = createService(await this.context(flags), {id: args.id, public: flags.public, owner: flags.owner})
    this.say(`created service: '${service.id}' (${service.public ? 'public' : 'keys required'}${service.ownerAccountId ? `, owner ${service.ownerAccountId}` : ''})`)
    return service
  }
}
