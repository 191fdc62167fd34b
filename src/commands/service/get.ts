import {AccessctlCommand} from '../../cli/base-command.js'
import {serviceFields, serviceIdArg} from '../../cli/deployer-views.js'
import {getService, type ServiceDetails} from '../../domain/services.js'

export type ServiceGetResult = ServiceDetails

export default class ServiceGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show one API service.'
  static override description = `Shows the service's settings, owner, counts of versions, keys and deployments, and the privileges you hold on it. Needs read on the service; a service you may not read is reported as not found (exit 4).`

  static override examples = ['<%= config.bin %> <%= command.id %> churn-model', '<%= config.bin %> <%= command.id %> churn-model --json']
  static override args = {id: serviceIdArg}

  async run(): Promise<ServiceGetResult> {
    const {args, flags} = await this.parse(ServiceGet)
    const service = getService(await this.context(flags), args.id)
    this.say(serviceFields(service, this.display()))
    return service
  }
}
