import {AccessctlCommand} from '../../cli/base-command.js'
import {serviceFields, serviceIdArg} from '../../cli/deployer-views.js'
import {outputFlag, withFields} from '../../cli/output-shape.js'
import {getService, type ServiceDetails} from '../../domain/services.js'

export type ServiceGetResult = ServiceDetails

export default class ServiceGet extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Show one API service.'
  static override description = `Shows the service's settings, owner, counts of versions, keys and deployments, and the privileges you hold on it. Needs read on the service; a service you may not read is reported as not found (exit 4).`

  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model',
    '<%= config.bin %> <%= command.id %> churn-model --json',
    '<%= config.bin %> <%= command.id %> churn-model -o yaml',
    '<%= config.bin %> <%= command.id %> churn-model -o wide',
  ]
  static override args = {id: serviceIdArg}
  static override flags = {...outputFlag}

  async run(): Promise<ServiceGetResult> {
    const {args, flags} = await this.parse(ServiceGet)
    const service = getService(await this.context(flags), args.id)
    const show = this.display()
    return this.show(service, {
      human: (wide) => withFields(serviceFields(service, show), wide ? [['owner id', service.ownerAccountId], ['created by', service.createdBy]] : []),
      names: () => [service.id],
    })
  }
}
