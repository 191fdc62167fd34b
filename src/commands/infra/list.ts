import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {infraColumns} from '../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../cli/list-flags.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import type {PageOf} from '../../domain/context.js'
import {type Infrastructure, listInfras, INFRA_SORT_COLUMNS} from '../../domain/infrastructures.js'

export type InfraListResult = PageOf<Infrastructure>

export default class InfraList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the infrastructures you may view.'
  static override description = `Lists infrastructures ordered by id, only those the caller may view. Piped, rows are tab-separated (id, stage, owner, created) with no header.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    "<%= config.bin %> <%= command.id %> --name 'prod*' --sort stage --no-headers",
    '<%= config.bin %> <%= command.id %> -o wide',
  ]
  static override flags = {...pageFlags, ...outputFlag, ...listFlags({matches: 'id', columns: INFRA_SORT_COLUMNS, defaultSort: 'id', fullScan: ['stage', 'created']})}

  async run(): Promise<InfraListResult> {
    const {flags} = await this.parse(InfraList)
    const page = listInfras(await this.context(flags), {limit: flags.limit, offset: flags.offset, ...listQueryOf(flags)})
    const show = this.display()
    const wide = [{header: 'CREATED BY', value: (i: Infrastructure) => show.actor(i.createdBy)}]
    return this.show(page, pageViews(page, {columns: infraColumns(show), wide, name: (i) => i.id}))
  }
}
