import {Flags} from '@oclif/core'

import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import type {Display} from '../../cli/display.js'
import {FOLLOW_INTERVAL_MS, followUntilStopped, StreamedTable, unlessStopped} from '../../cli/follow.js'
import {globFlag, listQueryOf, sortFlags} from '../../cli/list-flags.js'
import {type Column, JsonLines} from '../../cli/output.js'
import {outputFlag, pageViews} from '../../cli/output-shape.js'
import {preview} from '../../core/text.js'
import {parseTtl} from '../../core/ttl.js'
import {AUDIT_SORT_COLUMNS, type AuditEntry, type AuditFilter, auditAfter, listAudit, startAuditFollow} from '../../domain/audit.js'
import type {Context, PageOf} from '../../domain/context.js'
import {UsageError} from '../../errors.js'
import {CommitWatch} from '../../store/commit-watch.js'

/** The page the flags select; with --follow, nothing: the rows are printed as JSON lines, one object per row. */
export type AuditListResult = PageOf<AuditEntry>

/** Rows read at once while catching up with new ones: a burst of writes is shown in bounded reads. */
const FOLLOW_BATCH = 1000

export default class AuditList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the audit trail: every change and every denied attempt, newest first.'
  static override description = `Each entry has its time, the actor (operator:<os user>, admin-key:<id> or account:<id>/token:<jti>), the action (e.g. accounts.delete), the target and the outcome (ok or denied, with why). Entries are written in the same transaction as the change they describe. Never holds a secret.

With --follow it prints the rows the other flags select oldest first, then every new row that they select as it is written (like tail -f), until --until, Ctrl-C or SIGTERM (exit 0); with --json, one JSON object per line. A store that is deleted, replaced or unreadable while followed ends it with exit 6.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --since 24h',
    '<%= config.bin %> <%= command.id %> --actor admin-key --outcome denied',
    '<%= config.bin %> <%= command.id %> --action accounts --since 2026-11-01T00:00:00Z --json',
    '<%= config.bin %> <%= command.id %> --follow --outcome denied --until 1s   # new denials as they happen, for 1 second',
    "<%= config.bin %> <%= command.id %> --target 'service:churn*' --sort action --no-headers",
  ]

  static override flags = {
    ...pageFlags,
    ...outputFlag,
    since: Flags.string({description: 'Only entries at or after this time: an ISO 8601 time, or a duration ago like 24h or 7d.'}),
    actor: Flags.string({description: 'Only this actor (e.g. admin-key:5f1c2a9b7e3d4c60), or every actor of a kind (operator, admin-key, account).'}),
    action: Flags.string({description: 'Only this action (e.g. accounts.delete), or every action of a topic (e.g. accounts).'}),
    outcome: Flags.option({description: 'Only entries with this outcome.', options: ['ok', 'denied'] as const})(),
    follow: Flags.boolean({
      description: `After the selected rows (oldest first), print new ones as they are written, checking every ${FOLLOW_INTERVAL_MS} ms; ends on Ctrl-C, SIGTERM or --until.`,
    }),
    until: Flags.string({
      description: 'With --follow: stop at this time, an ISO 8601 time or a duration from now like 10m or 30s.',
      dependsOn: ['follow'],
    }),
    target: globFlag('target', "target (service:churn-model, account:<id>, ...)"),
    // With --follow rows are printed in the order they are written, so no other order can be asked for.
    ...sortFlags({columns: AUDIT_SORT_COLUMNS, defaultSort: 'time', newestFirst: true, fullScan: ['actor', 'action', 'target', 'outcome'], exclusive: ['follow']}),
  }

  async run(): Promise<AuditListResult | undefined> {
    const {flags} = await this.parse(AuditList)
    if (flags.follow && flags.output && flags.output.kind !== 'json') {
      throw new UsageError(`--follow prints a table, or JSON lines with -o json; not -o ${flags.output.kind}`)
    }

    const until = flags.until === undefined ? undefined : parseTime(flags.until, '--until', +1)
    const filter: AuditFilter = {
      since: flags.since === undefined ? undefined : parseTime(flags.since, '--since', -1),
      actor: flags.actor,
      action: flags.action,
      outcome: flags.outcome,
      target: flags.target,
      limit: flags.limit,
      offset: flags.offset,
    }
    const ctx = await this.context(flags)
    if (flags.follow) {
      await this.follow(ctx, filter, until, !flags['no-headers'])
      return undefined
    }

    const page = listAudit(ctx, {...filter, ...listQueryOf(flags)})
    const views = pageViews(page, {columns: auditColumns(this.display()), wide: [{header: 'ID', value: (e) => String(e.id)}], name: (e) => String(e.id)})
    return this.show(page, views)
  }

  private async follow(ctx: Context, filter: AuditFilter, until: Date | undefined, headers: boolean): Promise<void> {
    const watch = new CommitWatch(ctx.store)
    const start = startAuditFollow(ctx, filter)
    let lastId = start.lastId
    const table = new StreamedTable<AuditEntry>()
    const lines = new JsonLines()
    const show = async (rows: readonly AuditEntry[], stopped: AbortSignal) => {
      if (this.jsonEnabled()) {
        for (const row of rows) lines.push(row)
        await unlessStopped(lines.flush(), stopped)
      } else if (rows.length > 0 || !table.started) {
        // A fresh display per batch: a relative time is relative to when its row is printed.
        this.say(table.render(rows, auditColumns(this.display()), {headers}))
      }
    }

    let shownStart = false
    const end = await followUntilStopped(
      async (stopped) => {
        if (!shownStart) {
          shownStart = true
          await show(start.page.items.toReversed(), stopped)
        }

        if (!watch.changed()) return
        for (;;) {
          const {rows, readTo} = auditAfter(ctx, filter, lastId, FOLLOW_BATCH)
          lastId = readTo
          if (rows.length > 0) await show(rows, stopped)
          if (rows.length < FOLLOW_BATCH || stopped.aborted) return
        }
      },
      {until},
    )
    if (end === 'reader-gone') this.exit(0)
  }
}

function auditColumns(show: Display): Array<Column<AuditEntry>> {
  return [
    {header: 'TIME', value: (e) => show.time(e.at)},
    {header: 'ACTOR', value: (e) => show.actor(e.actor)},
    {header: 'ACTION', value: (e) => e.action},
    {header: 'TARGET', value: (e) => (e.target === null ? '' : show.actor(e.target))},
    {header: 'OUTCOME', value: (e) => (e.outcome === 'denied' && e.detail ? `denied: ${e.detail}` : e.outcome)},
  ]
}

/**
 * An ISO 8601 date or time with a four-digit year, or a duration (up to 100 years) before now (`direction` -1, for
 * --since) or after it (+1, for --until). A date that does not exist (2026-02-30) is refused rather than rolled
 * over into March.
 */
function parseTime(text: string, flag: string, direction: -1 | 1, now = Date.now()): Date {
  if (/^\s*\d+[a-z]?\s*$/i.test(text)) return new Date(now + direction * parseTtl(text, flag) * 1000)
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(text)
  const time = new Date(text)
  if (!date || Number.isNaN(time.getTime()) || !dayExists(Number(date[1]), Number(date[2]), Number(date[3]))) {
    const example = direction < 0 ? '24h' : '10m'
    throw new UsageError(`${flag} takes an ISO 8601 time (2026-11-01T00:00:00Z) or a duration like ${example}; got '${preview(text)}'`)
  }

  return time
}

function dayExists(year: number, month: number, day: number): boolean {
  const probe = new Date(0)
  probe.setUTCFullYear(year, month - 1, day)
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day
}
