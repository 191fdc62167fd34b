import {Flags} from '@oclif/core'

import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {deploymentColumns} from '../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import type {PageOf} from '../../domain/context.js'
import {type Deployment, listDeployments, DEPLOYMENT_SORT_COLUMNS} from '../../domain/deployments.js'

export type DeploymentListResult = PageOf<Deployment>

export default class DeploymentList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the deployments you may see.'
  static override description = `Lists deployments ordered by id, only those whose service you may read AND whose infrastructure you may view. Piped, rows are tab-separated (id, service, infra, version, enabled, auth) with no header.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --service churn-model',
    '<%= config.bin %> <%= command.id %> --infra prod-eu --json',
    "<%= config.bin %> <%= command.id %> --name '*-on-prod*' --sort created --order desc",
    '<%= config.bin %> <%= command.id %> --service churn-model -o name   # one id a line, as deployment get takes it',
  ]

  static override flags = {
    ...pageFlags,
    ...outputFlag,
    ...listFlags({matches: 'id', columns: DEPLOYMENT_SORT_COLUMNS, defaultSort: 'id', fullScan: ['service', 'infra', 'created']}),
    service: Flags.string({char: 's', description: 'Only deployments of this service.'}),
    infra: Flags.string({char: 'I', description: 'Only deployments on this infrastructure.'}),
  }

  async run(): Promise<DeploymentListResult> {
    const {flags} = await this.parse(DeploymentList)
    const page = listDeployments(await this.context(flags), {
      limit: flags.limit,
      offset: flags.offset,
      service: flags.service,
      infra: flags.infra,
      ...listQueryOf(flags),
    })
    const show = this.display()
    const wide = [
      {header: 'OWNER', value: (d: Deployment) => (d.ownerAccountId === null ? '-' : show.account(d.ownerAccountId))},
      {header: 'CREATED', value: (d: Deployment) => show.time(d.createdAt)},
    ]
    return this.show(page, pageViews(page, {columns: deploymentColumns, wide, name: (d) => d.id}))
  }
}
