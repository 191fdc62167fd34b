import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {infraColumns} from '../../cli/deployer-views.js'
import {listFlags, listQueryOf} from '../../cli/list-flags.js'
import {renderPage} from '../../cli/page.js'
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
  ]
  static override flags = {...pageFlags, ...listFlags({matches: 'id', columns: INFRA_SORT_COLUMNS, defaultSort: 'id', fullScan: ['stage', 'created']})}

  async run(): Promise<InfraListResult> {
    const {flags} = await this.parse(InfraList)
    const page = listInfras(await this.context(flags), {limit: flags.limit, offset: flags.offset, ...listQueryOf(flags)})
    this.say(renderPage(page, infraColumns(this.display()), {headers: !flags['no-headers']}))
    return page
  }
}
