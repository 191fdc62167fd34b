import {Args, Flags} from '@oclif/core'

import {AccessctlCommand} from '../../cli/base-command.js'
import {closeInput, formatBytes, INPUT_LIMITS, LineReader, openInput} from '../../cli/input.js'
import {progressBar} from '../../cli/progress.js'
import {detectFormat, type ImportLine, importRecords} from '../../core/import-format.js'
import {importAccounts, type ImportSummary} from '../../domain/import.js'
import {UsageError} from '../../errors.js'

export type AccountsImportResult = ImportSummary

export default class AccountsImport extends AccessctlCommand {
  static override summary = 'Create many accounts at once from a YAML list or JSON Lines, all or nothing.'
  static override description = `Reads FILE, or stdin when FILE is '-'. YAML: a list whose entries are names or {name, groups}. JSON Lines: one {"name": ..., "groups": [...]} object per line. Groups must exist. Each account is checked and inserted as it is read, in one transaction: on any error nothing is imported and the message names the line. At most ${formatBytes(INPUT_LIMITS.importTotal)} in all and ${formatBytes(INPUT_LIMITS.importEntry)} per line or entry. Shows a progress bar on a terminal.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> accounts.yaml',
    '<%= config.bin %> <%= command.id %> accounts.jsonl --json',
    `<%= config.bin %> <%= command.id %> - <<EOF
- oscar@example.com
- name: peggy@example.com
  groups: [devops]
EOF`,
  ]

  static override args = {file: Args.string({description: "The file to import, or '-' for stdin.", required: true})}
  static override flags = {
    format: Flags.option({description: 'The format; by default taken from the extension (.yaml, .jsonl) or the content.', options: ['yaml', 'jsonl'] as const})(),
  }

  async run(): Promise<AccountsImportResult> {
    const {args, flags} = await this.parse(AccountsImport)
    const input = openInput(args.file, 'accounts to import')
    try {
      const ctx = await this.context(flags)
      const reader = new LineReader(input, {
        what: 'one line or entry',
        cap: INPUT_LIMITS.importEntry,
        totalCap: INPUT_LIMITS.importTotal,
        totalWhat: 'an import',
        strictUtf8: true,
      })
      const head = firstContent(reader)
      if (head.length === 0 || head.at(-1)!.text.trim() === '') {
        throw new UsageError(`${input.name} is empty; expected accounts to import`)
      }

      const format = detectFormat(head.at(-1)!.text, input.isStdin ? undefined : args.file, flags.format)
      const records = importRecords(chain(head, reader), format, INPUT_LIMITS.importEntry)
      const bar = progressBar('importing')
      let summary: ImportSummary
      try {
        summary = importAccounts(ctx, records, (done) => bar(done, input.size ? reader.bytesRead / input.size : undefined))
      } finally {
        bar.finish()
      }

      const rate = Math.round(summary.imported / Math.max(summary.seconds, 1e-6))
      this.say(
        `imported ${summary.imported} accounts and ${summary.memberships} group memberships in ${summary.seconds.toFixed(2)}s (${rate}/s)`,
      )
      return summary
    } finally {
      closeInput(input)
    }
  }
}

/** The lines up to and including the first one with content (the format is told from it); all lines if none has. */
function firstContent(reader: LineReader): ImportLine[] {
  const head: ImportLine[] = []
  for (const line of reader) {
    head.push(line)
    if (line.text.trim() !== '') break
  }

  return head
}

function* chain<T>(first: Iterable<T>, rest: Iterable<T>): Generator<T> {
  yield* first
  yield* rest
}
