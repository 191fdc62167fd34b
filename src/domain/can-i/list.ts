import {DeniedError, NotFoundError} from '../../errors.js'
import type {Db} from '../../store/store.js'
import {type Context, type Page, type PageOf, pageOf} from '../context.js'
import {
  deploymentVisibleFilter,
  infraPrivilegesOf,
  infraViewableFilter,
  serviceReadableFilter,
  servicePrivilegesOf,
  type Standing as Subject,
} from '../object-access.js'
import {type CanIAnswer, subjectFor} from './answer.js'
import {planOf} from './checks.js'
import type {CanIAction, CanIQuestion, TargetKind} from './question.js'

/**
 * `auth can-i --list`, as kubectl's: every object the caller (or the --as account) may see, what it holds on each
 * and which can-i actions it may take there. The objects are the ones the list commands show it (the same SQL
 * filters, token grants included); each action is answered by can-i's own check, so the list and a can-i question
 * about one of its rows cannot disagree. An object left out is one every can-i question answers no about.
 */

export interface CanIListItem {
  kind: TargetKind
  id: string
  /** What the subject holds on it, implications included; for a deployment, on its service and its infrastructure. */
  privileges: string[]
  /** The can-i actions that answer yes on it. */
  actions: CanIAction[]
}

export interface CanIList extends PageOf<CanIListItem> {
  subject: CanIAnswer['subject']
  /** Whether `auth can-i create service` and `auth can-i create infra` answer yes. */
  create: {service: boolean; infrastructure: boolean}
}

const ACTIONS_ON: Record<TargetKind, CanIAction[]> = {
  service: ['read', 'write', 'deploy', 'administer'],
  infrastructure: ['read', 'deploy', 'administer'],
  deployment: ['read', 'deploy'],
}

interface ObjectRow {
  kind: TargetKind
  id: string
  owner: string | null
  serviceId: string | null
  serviceOwner: string | null
  infraId: string | null
}

export function canIList(ctx: Context, options: Page & {as?: string}): CanIList {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const {context, subject, described} = subjectFor(ctx, options.as)
    const rows = visibleObjects(context, options)
    const allowed = (question: Omit<CanIQuestion, 'as'>) => answersYes(db, context, subject, question)
    return {
      subject: described,
      create: {
        service: allowed({action: 'create', target: {kind: 'service'}}),
        infrastructure: allowed({action: 'create', target: {kind: 'infrastructure'}}),
      },
      ...rows,
      items: rows.items.map((row) => ({
        kind: row.kind,
        id: row.id,
        privileges: privilegesOn(db, subject, row),
        actions: ACTIONS_ON[row.kind].filter((action) => allowed({action, target: {kind: row.kind, id: row.id}})),
      })),
    }
  })
}

/** Services, then infrastructures, then deployments, each by id: one query, so the three page as one list. */
function visibleObjects(context: Context, page: Page): PageOf<ObjectRow> {
  const services = serviceReadableFilter(context, 's')
  const infras = infraViewableFilter(context, 'i')
  const deployments = deploymentVisibleFilter(context)
  const rows = context.store.db
    .prepare(
      `SELECT kind, id, owner, serviceId, serviceOwner, infraId FROM (
         SELECT 0 AS rank, 'service' AS kind, s.id AS id, s.owner_account_id AS owner, NULL AS serviceId, NULL AS serviceOwner, NULL AS infraId
           FROM services s WHERE ${services.sql}
         UNION ALL
         SELECT 1, 'infrastructure', i.id, i.owner_account_id, NULL, NULL, NULL FROM infrastructures i WHERE ${infras.sql}
         UNION ALL
         SELECT 2, 'deployment', d.id, d.owner_account_id, s.id, s.owner_account_id, d.infra_id
           FROM deployments d JOIN services s ON s.id = d.service_id WHERE ${deployments.sql}
       ) ORDER BY rank, id LIMIT ? OFFSET ?`,
    )
    .iterate(...services.params, ...infras.params, ...deployments.params, page.limit + 1, page.offset) as IterableIterator<ObjectRow>
  return pageOf(rows, page)
}

function privilegesOn(db: Db, subject: Subject, row: ObjectRow): string[] {
  if (row.kind === 'service') return servicePrivilegesOf(db, subject, {id: row.id, ownerAccountId: row.owner})
  if (row.kind === 'infrastructure') return infraPrivilegesOf(db, subject, row.id)
  const service = servicePrivilegesOf(db, subject, {id: row.serviceId!, ownerAccountId: row.serviceOwner})
  const infra = infraPrivilegesOf(db, subject, row.infraId!)
  return [...service.map((p) => `service:${p}`), ...infra.map((p) => `infrastructure:${p}`)]
}

/** can-i's answer, without its explanation: the guard the command would pass through either passes or refuses. */
function answersYes(db: Db, context: Context, subject: Subject, question: Omit<CanIQuestion, 'as'>): boolean {
  try {
    planOf(db, question).check(context, subject)
    return true
  } catch (error) {
    if (error instanceof DeniedError || error instanceof NotFoundError) return false
    throw error
  }
}
