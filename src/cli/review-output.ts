import type {Holders, ObjectRef, ReviewGroup, ReviewService, Via} from '../core/review.js'
import type {ReviewToWrite} from '../core/review-markdown.js'
import type {Display} from './display.js'
import {chalkFor, Rendered, renderTable, renderTableInChunks} from './output.js'

/**
 * The review on a terminal: one titled table per section, through the one table renderer (aligned with headers on a
 * terminal, tab-separated rows when piped), so every cell is escaped there.
 */

const through = (via: readonly Via[]) => via.map((v) => (v.globalAdmin ? `${v.group} (global admin)` : v.group)).join(', ')
const list = (items: readonly string[]) => items.join(', ')
const ref = (object: ObjectRef | null) => (object === null ? '-' : `${object.type} ${object.id}`)

function holderRows(holders: Holders): Array<{account: string; id: string; through: string}> {
  if (holders.everyone) return [{account: 'every account', id: '-', through: through(holders.via)}]
  const rows = holders.accounts.map((holder) => ({account: holder.name, id: holder.id, through: through(holder.via)}))
  const more = (holders.accountCount ?? 0) - holders.accounts.length
  return more > 0 ? [...rows, {account: `and ${more} more`, id: '-', through: '-'}] : rows
}

const HOLDER_COLUMNS = [
  {header: 'ACCOUNT', value: (row: {account: string}) => row.account},
  {header: 'ID', value: (row: {id: string}) => row.id},
  {header: 'THROUGH', value: (row: {through: string}) => row.through},
]

/**
 * The review's sections, each rendered as it is read (services and groups a chunk of rows at a time when piped), so
 * that a long review is printed while it is read rather than held as one string: one title and table each, a blank
 * line before every section but the first, `(none)` for an empty table.
 */
export function* renderReviewSections(review: ReviewToWrite, show: Display, stream = process.stdout): Generator<Rendered> {
  const color = chalkFor(stream)
  const sections: Array<[string, () => Iterable<Rendered>]> = [
    [
      `What to look at (${review.findings.length})`,
      () => whole(renderTable(review.findings, [
        {header: 'FINDING', value: (f) => f.kind},
        {header: 'OBJECT', value: (f) => ref(f.object)},
        {header: 'IN', value: (f) => ref(f.parent)},
        {header: 'ACCOUNT', value: (f) => (f.account === null ? '-' : show.account(f.account.id))},
        {header: 'LABEL', value: (f) => f.label ?? '-'},
        {header: 'WHY', value: (f) => f.reason},
      ], stream)),
    ],
    ['Global administrators', () => whole(renderTable(holderRows(review.globalAdministrators), HOLDER_COLUMNS, stream))],
    ['May create services', () => whole(renderTable(holderRows(review.serviceCreators), HOLDER_COLUMNS, stream))],
    [
      'Who may deploy to Production',
      () => whole(renderTable(
        review.productionDeployers.flatMap((infra) => holderRows(infra).map((row) => ({...row, infrastructure: infra.infrastructure}))),
        [{header: 'INFRASTRUCTURE', value: (row: {infrastructure: string}) => row.infrastructure}, ...HOLDER_COLUMNS],
        stream,
      )),
    ],
    [
      'Services',
      () => renderTableInChunks<ReviewService>(review.services, [
        {header: 'SERVICE', value: (s) => s.id},
        {header: 'PUBLIC', value: (s) => (s.public ? 'yes' : 'no')},
        {header: 'OWNER', value: (s) => (s.owner === null ? '-' : show.account(s.owner.id))},
        {header: 'READ', value: (s) => list(s.privileges.read)},
        {header: 'WRITE', value: (s) => list(s.privileges.write)},
        {header: 'DEPLOY', value: (s) => list(s.privileges.deploy)},
        {header: 'ADMIN', value: (s) => list(s.privileges.admin)},
      ], stream),
    ],
    [
      'Infrastructures',
      () => whole(renderTable(review.infrastructures, [
        {header: 'INFRASTRUCTURE', value: (i) => i.id},
        {header: 'STAGE', value: (i) => i.stage},
        {header: 'OWNER', value: (i) => (i.owner === null ? '-' : show.account(i.owner.id))},
        {header: 'VIEW', value: (i) => list(i.privileges.view)},
        {header: 'DEPLOY', value: (i) => list(i.privileges.deploy)},
        {header: 'ADMIN', value: (i) => list(i.privileges.admin)},
      ], stream)),
    ],
    [
      'Groups',
      () => renderTableInChunks<ReviewGroup>(review.groups, [
        {header: 'GROUP', value: (g) => g.name},
        {header: 'ADMIN', value: (g) => (g.admin ? 'yes' : 'no')},
        {header: 'MAY CREATE SERVICES', value: (g) => (g.mayCreateServices ? 'yes' : 'no')},
        {header: 'MEMBERS', value: (g) => (g.memberCount === null ? 'every account' : String(g.memberCount))},
        {
          header: 'MEMBER LIST',
          value: (g) => list(g.members.map((m) => m.name)) + (g.memberCount !== null && g.memberCount > g.members.length ? `, and ${g.memberCount - g.members.length} more` : ''),
        },
      ], stream),
    ],
  ]
  for (const [index, [title, render]] of sections.entries()) {
    yield new Rendered(`${index === 0 ? '' : '\n'}${color.bold(`== ${title}`)}`)
    let empty = true
    for (const chunk of render()) {
      empty = false
      yield chunk
    }

    if (empty) yield new Rendered('(none)')
  }
}

/** A table rendered whole, as a section of one chunk (none when it has no rows). */
const whole = (table: Rendered): Rendered[] => (table.text === '' ? [] : [table])
