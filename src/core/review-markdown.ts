import {mdHeading, mdJoin, mdTable, mdTableLines, mdText, mdValue, type SafeMarkdown} from './markdown.js'
import {type AccessReview, type AccountRef, type Finding, type Holders, type ObjectRef, type ReviewGroup, type ReviewService, unlessEmpty, type Via} from './review.js'

/**
 * The review as Markdown for a ticket or a pull request: headings and pipe tables. Every stored value (names, ids,
 * labels) is a code span (markdown.ts), so none can add markup, a row or a cell; the program's own words are escaped
 * text.
 */

const values = (items: readonly string[]): SafeMarkdown => mdJoin(items.map(mdValue), ', ')

const account = (ref: AccountRef | null): SafeMarkdown => (ref === null ? mdText('-') : mdValue(ref.name))

const through = (via: readonly Via[]): SafeMarkdown =>
  mdJoin(via.map((v) => (v.globalAdmin ? mdJoin([mdValue(v.group), mdText(' (global admin)')]) : mdValue(v.group))), ', ')

const yesNo = (value: boolean) => mdText(value ? 'yes' : 'no')

/** Holders as a table of accounts, or a sentence when it is every account or none. */
function holders(list: Holders): SafeMarkdown[] {
  if (list.everyone) return [mdJoin([mdText('Every account, through '), through(list.via), mdText('.')])]
  if (list.accounts.length === 0) return [mdText('No account.')]
  const table = mdTable(
    ['account', 'id', 'through'],
    list.accounts.map((holder) => [mdValue(holder.name), mdValue(holder.id), through(holder.via)]),
  )
  const count = list.accountCount ?? 0
  return count > list.accounts.length ? [table, mdText(`${list.accounts.length} of ${count} accounts shown; for the rest: accessctl accounts list --group GROUP.`)] : [table]
}

const objectRef = (ref: ObjectRef | null): SafeMarkdown => (ref === null ? mdText('-') : mdJoin([mdText(`${ref.type} `), mdValue(ref.id)]))

function findingRow(finding: Finding): SafeMarkdown[] {
  return [
    mdText(finding.kind),
    objectRef(finding.object),
    objectRef(finding.parent),
    account(finding.account),
    finding.label === null ? mdText('-') : mdValue(finding.label),
    mdText(finding.reason),
  ]
}

/** The review with its long lists (services, groups) given as they are read. */
export interface ReviewToWrite extends Omit<AccessReview, 'groups' | 'services'> {
  groups: Iterable<ReviewGroup>
  services: Iterable<ReviewService>
}

/**
 * The review's Markdown blocks (headings, tables, paragraphs) in order, each made when it is asked for, for
 * Document.markdownBlocks to write one at a time: the document mdDocument would make of them, never one string.
 */
export function* reviewMarkdownBlocks(review: ReviewToWrite): Generator<SafeMarkdown | Iterable<SafeMarkdown>> {
  yield mdHeading(1, 'Access review')
  yield mdText(`Generated ${review.generatedAt} by accessctl review: ${review.findings.length} finding(s).`)
  yield mdHeading(2, 'What to look at')
  yield review.findings.length === 0 ? mdText('Nothing.') : mdTable(['finding', 'object', 'in', 'account', 'label', 'why'], review.findings.map(findingRow))
  yield mdHeading(2, 'Global administrators')
  yield* holders(review.globalAdministrators)
  yield mdHeading(2, 'May create services')
  yield* holders(review.serviceCreators)
  yield mdHeading(2, 'Who may deploy to Production')
  const production = review.productionDeployers.flatMap((infra): SafeMarkdown[][] => {
    if (infra.everyone) return [[mdValue(infra.infrastructure), mdText('every account'), mdText('-'), through(infra.via)]]
    if (infra.accounts.length === 0) return [[mdValue(infra.infrastructure), mdText('no account'), mdText('-'), mdText('-')]]
    const rows = infra.accounts.map((holder) => [mdValue(infra.infrastructure), mdValue(holder.name), mdValue(holder.id), through(holder.via)])
    const more = (infra.accountCount ?? 0) - infra.accounts.length
    return more > 0 ? [...rows, [mdValue(infra.infrastructure), mdText(`and ${more} more`), mdText('-'), mdText('-')]] : rows
  })
  yield production.length === 0 ? mdText('No Production infrastructure.') : mdTable(['infrastructure', 'account', 'id', 'through'], production)
  yield mdHeading(2, 'Services')
  const services = unlessEmpty(review.services)
  yield services === undefined
    ? mdText('No service.')
    : mdTableLines(
        ['service', 'public', 'owner', 'read', 'write', 'deploy', 'admin'],
        map(services, (s) => [
          mdValue(s.id),
          yesNo(s.public),
          account(s.owner),
          values(s.privileges.read),
          values(s.privileges.write),
          values(s.privileges.deploy),
          values(s.privileges.admin),
        ]),
      )
  yield mdHeading(2, 'Infrastructures')
  yield review.infrastructures.length === 0
    ? mdText('No infrastructure.')
    : mdTable(
        ['infrastructure', 'stage', 'owner', 'view', 'deploy', 'admin'],
        review.infrastructures.map((i) => [
          mdValue(i.id),
          mdText(i.stage),
          account(i.owner),
          values(i.privileges.view),
          values(i.privileges.deploy),
          values(i.privileges.admin),
        ]),
      )
  yield mdHeading(2, 'Groups')
  const groups = unlessEmpty(review.groups)
  yield groups === undefined
    ? mdText('No group holds anything.')
    : mdTableLines(
        ['group', 'global admin', 'may create services', 'members', 'member list'],
        map(groups, (g) => [
          mdValue(g.name),
          yesNo(g.admin),
          yesNo(g.mayCreateServices),
          mdText(g.memberCount === null ? 'every account' : String(g.memberCount)),
          g.memberCount !== null && g.memberCount > g.members.length
            ? mdJoin([values(g.members.map((m) => m.name)), mdText(`, and ${g.memberCount - g.members.length} more`)])
            : values(g.members.map((m) => m.name)),
        ]),
      )
}

function* map<T, U>(items: Iterable<T>, transform: (item: T) => U): Generator<U> {
  for (const item of items) yield transform(item)
}
