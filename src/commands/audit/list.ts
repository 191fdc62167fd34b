import {Flags} from '@oclif/core'

import {AccessctlCommand, pageFlags} from '../../cli/base-command.js'
import {renderPage} from '../../cli/page.js'
import {preview} from '../../core/text.js'
import {parseTtl} from '../../core/ttl.js'
import {type AuditEntry, listAudit} from '../../domain/audit.js'
import type {PageOf} from '../../domain/context.js'
import {UsageError} from '../../errors.js'

export type AuditListResult = PageOf<AuditEntry>

export default class AuditList extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'List the audit trail: every change and every denied attempt, newest first.'
  static override description = `Each entry has its time, the actor (operator:<os user>, admin-key:<id> or
account:<id>/token:<jti>), the action (e.g. accounts.delete), the target and the outcome (ok or denied, with why).
Entries are written in the same transaction as the change they describe. Never holds a secret.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --since 24h',
    '<%= config.bin %> <%= command.id %> --actor admin-key --outcome denied',
    '<%= config.bin %> <%= command.id %> --action accounts --since 2026-11-01T00:00:00Z --json',
  ]

  static override flags = {
    ...pageFlags,
    since: Flags.string({description: 'Only entries at or after this time: an ISO 8601 time, or a duration ago like 24h or 7d.'}),
    actor: Flags.string({description: 'Only this actor (e.g. admin-key:5f1c2a9b7e3d4c60), or every actor of a kind (operator, admin-key, account).'}),
    action: Flags.string({description: 'Only this action (e.g. accounts.delete), or every action of a topic (e.g. accounts).'}),
    outcome: Flags.option({description: 'Only entries with this outcome.', options: ['ok', 'denied'] as const})(),
  }

  async run(): Promise<AuditListResult> {
    const {flags} = await this.parse(AuditList)
    const page = listAudit(await this.context(flags), {
      since: flags.since === undefined ? undefined : parseSince(flags.since),
      actor: flags.actor,
      action: flags.action,
      outcome: flags.outcome,
      limit: flags.limit,
      offset: flags.offset,
    })
    const show = this.display()
    this.say(
      renderPage(page, [
        {header: 'TIME', value: (e) => show.time(e.at)},
        {header: 'ACTOR', value: (e) => show.actor(e.actor)},
        {header: 'ACTION', value: (e) => e.action},
        {header: 'TARGET', value: (e) => (e.target === null ? '' : show.actor(e.target))},
        {header: 'OUTCOME', value: (e) => (e.outcome === 'denied' && e.detail ? `denied: ${e.detail}` : e.outcome)},
      ]),
    )
    return page
  }
}

/**
 * A duration ago (`24h`: up to 100 years back) or an ISO 8601 date or time with a four-digit year. A date that
 * does not exist (2026-02-30) is refused rather than rolled over into March.
 */
function parseSince(text: string, now = Date.now()): Date {
  if (/^\s*\d+[a-z]?\s*$/i.test(text)) return new Date(now - parseTtl(text, '--since') * 1000)
  const date = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(text)
  const time = new Date(text)
  if (!date || Number.isNaN(time.getTime()) || !dayExists(Number(date[1]), Number(date[2]), Number(date[3]))) {
    throw new UsageError(`--since takes an ISO 8601 time (2026-11-01T00:00:00Z) or a duration like 24h; got '${preview(text)}'`)
  }

  return time
}

function dayExists(year: number, month: number, day: number): boolean {
  const probe = new Date(0)
  probe.setUTCFullYear(year, month - 1, day)
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day
}
