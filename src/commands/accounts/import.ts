import {Args, Flags} from '@oclif/core'
import {readFile} from 'node:fs/promises'

import {AccessctlCommand} from '../../cli/base-command.js'
import {progressBar} from '../../cli/progress.js'
import {readStdin} from '../../cli/stdin.js'
import {detectFormat, type ImportFormat, parseImport} from '../../core/import-format.js'
import {importAccounts, type ImportSummary} from '../../domain/import.js'
import {UsageError} from '../../errors.js'

export default class AccountsImport extends AccessctlCommand {
  static override summary = 'Create many accounts at once from a YAML list or JSON Lines, all or nothing.'
  static override description = `Reads FILE, or stdin when FILE is '-'. YAML: a list whose entries are names or
{name, groups}. JSON Lines: one {"name": ..., "groups": [...]} object per line. Groups must exist. Everything is
checked, then inserted in one transaction: on any error nothing is imported and the message names the line.
Shows a progress bar on a terminal.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> accounts.yaml',
    '<%= config.bin %> <%= command.id %> accounts.jsonl --json',
    `<%= config.bin %> <%= command.id %> - <<EOF
- alice@example.com
- name: bob@example.com
  groups: [devops]
EOF`,
  ]

  static override args = {file: Args.string({description: "The file to import, or '-' for stdin.", required: true})}
  static override flags = {
    format: Flags.string({description: 'The format; by default taken from the extension (.yaml, .jsonl) or the content.', options: ['yaml', 'jsonl']}),
  }

  async run(): Promise<ImportSummary> {
    const {args, flags} = await this.parse(AccountsImport)
    const text = args.file === '-' ? await readStdin('accounts to import') : await readImportFile(args.file)
    const format = detectFormat(text, args.file === '-' ? undefined : args.file, flags.format as ImportFormat | undefined)
    const source = parseImport(text, format)
    if (source.records.length === 0) throw new UsageError('nothing to import: the input holds no accounts')
    const ctx = await this.context(flags)
    const bar = progressBar('importing')
    let summary: ImportSummary
    try {
      summary = importAccounts(ctx, source, bar)
    } finally {
      bar.finish()
    }

    const rate = Math.round(summary.imported / Math.max(summary.seconds, 1e-6))
    this.say(
      `imported ${summary.imported} accounts and ${summary.memberships} group memberships in ${summary.seconds.toFixed(2)}s (${rate}/s)`,
    )
    return summary
  }
}

async function readImportFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UsageError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`)
  }
}
