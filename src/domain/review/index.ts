import type {AccessReview, ProductionDeployers, ReviewGroup, ReviewService, Via} from '../../core/review.js'
import {requireGlobalAdmin} from '../access.js'
import type {Context} from '../context.js'
import {reviewFindings} from './findings.js'
import {groupFlags, holdersThrough, reviewGroups} from './holders.js'
import {groupsHoldingPrivileges, reviewInfrastructures, reviewServices} from './objects.js'

/**
 * The review as it is being read: the document of core/review.ts, with its two lists that grow with the store (every
 * group named and its members, every service) read as they are consumed, once, so that a review of 10,000 services
 * and 1,000 groups is written while it is read rather than held whole.
 */
export interface ReviewBeingRead extends Omit<AccessReview, 'groups' | 'services'> {
  groups: Generator<ReviewGroup>
  services: Generator<ReviewService>
}

/**
 * The periodic access review: who holds what on every service and infrastructure, the global administrators and
 * service creators, who may deploy to Production, and what to look at. It shows every group and member, so it is
 * for global administrators only (the operator, an admin key, or a token of a global administrator), like the audit
 * trail; a refusal is audited. Read in one transaction, so every part describes the same moment: `consume` writes it
 * out inside that transaction, and what it returns is returned.
 */
export function readReview<T>(ctx: Context, consume: (review: ReviewBeingRead) => T, now = new Date()): T {
  return withPageCache(ctx.store.db, REVIEW_PAGE_CACHE_KIB, () => readAndConsume(ctx, consume, now))
}

/**
 * SQLite's page cache for the review. It reads most of the store once, so pages hardly ever come back: better-sqlite3's
 * 16 MiB cache filled with them and took the review over the 100 MiB a command may use, where 4 MiB ran as fast on
 * the bench store (100,000 accounts, 10,000 services, 1,000 groups: 1.0 s either way, 103 MiB against 90 MiB).
 */
const REVIEW_PAGE_CACHE_KIB = 4096

function withPageCache<T>(db: Context['store']['db'], kib: number, work: () => T): T {
  const previous = db.pragma('cache_size', {simple: true}) as number
  db.pragma(`cache_size = ${-kib}`)
  try {
    return work()
  } finally {
    db.pragma(`cache_size = ${previous}`)
  }
}

function readAndConsume<T>(ctx: Context, consume: (review: ReviewBeingRead) => T, now: Date): T {
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'review'})
    const {db} = ctx.store
    const flags = groupFlags(db)
    const adminVia: Via[] = [...flags].filter(([, group]) => group.admin).map(([group]) => ({group, globalAdmin: true}))
    const creatorVia: Via[] = [...flags].filter(([, group]) => group.mayCreateServices).map(([group]) => ({group, globalAdmin: false}))
    const infrastructures = [...reviewInfrastructures(db)]

    const productionDeployers: ProductionDeployers[] = infrastructures
      .filter((infra) => infra.stage === 'Production')
      .map((infra) => ({
        infrastructure: infra.id,
        ...holdersThrough(db, [...adminVia, ...infra.privileges.deploy.map((group) => ({group, globalAdmin: false}))]),
      }))

    // The groups the review names anywhere, each listed once with its members.
    const named = new Set([...adminVia, ...creatorVia].map((via) => via.group))
    for (const group of groupsHoldingPrivileges(db)) named.add(group)

    const groups = reviewGroups(db, [...named], flags)
    const services = reviewServices(db)
    try {
      return consume({
        generatedAt: now.toISOString(),
        globalAdministrators: holdersThrough(db, adminVia),
        serviceCreators: holdersThrough(db, creatorVia),
        groups,
        services,
        infrastructures,
        productionDeployers,
        findings: reviewFindings(db, now),
      })
    } finally {
      // A list left part read (output that failed half way) keeps its statement open, and SQLite would refuse to end
      // the transaction, hiding the failure behind "busy": ending the lists closes their statements.
      groups.return(undefined)
      services.return(undefined)
    }
  })
}
