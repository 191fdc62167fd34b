import {Args} from '@oclif/core'

import {AccessctlCommand, yesFlag} from '../../../cli/base-command.js'
import {serviceIdArg} from '../../../cli/deployer-views.js'
import {validateObjectId, validateVersion} from '../../../core/deployer.js'
import {deleteVersion, type ServiceVersion} from '../../../domain/service-versions.js'

export type ServiceVersionsDeleteResult = ServiceVersion

export default class ServiceVersionsDelete extends AccessctlCommand {
  static override summary = 'Delete a version of an API service.'
  static override description = `Deletes the version record. Refused (exit 5) while a deployment runs it. Needs write on the service. Asks for confirmation on a terminal; pass --yes in scripts.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model v1 --yes',
    '<%= config.bin %> <%= command.id %> churn-model v2 --yes   # refused while a deployment runs it (exit 5)',
  ]
  static override args = {id: serviceIdArg, version: Args.string({description: 'The version name.', required: true})}
  static override flags = {...yesFlag}

  async run(): Promise<ServiceVersionsDeleteResult> {
    const {args, flags} = await this.parse(ServiceVersionsDelete)
    validateObjectId('service', args.id)
    validateVersion(args.version)
    const ctx = await this.context(flags)
    await this.confirm(`Delete version '${args.version}' of service '${args.id}'?`, flags.yes, () =>
      deleteVersion(ctx, args.id, args.version),
    )
    const version = deleteVersion(ctx, args.id, args.version)
    this.say(`deleted version '${version.version}' of service '${version.service}'`)
    return version
  }
}
