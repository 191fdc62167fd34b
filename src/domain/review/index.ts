import type {AccessReview, ProductionDeployers, Via} from '../../core/review.js'
import {requireGlobalAdmin} from '../access.js'
import type {Context} from '../context.js'
import {reviewFindings} from './findings.js'
import {groupFlags, holdersThrough, reviewGroups} from './holders.js'
import {reviewInfrastructures, reviewServices} from './objects.js'

/**
 * The periodic access review: who holds what on every service and infrastructure, the global administrators and
 * service creators, who may deploy to Production, and what to look at. It shows every group and member, so it is
 * for global administrators only (the operator, an admin key, or a token of a global administrator), like the audit
 * trail; a refusal is audited. Read in one transaction, so every part describes the same moment.
 */
export function buildReview(ctx: Context, now = new Date()): AccessReview {
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, {function: 'get', resource: '*', action: 'review'})
    const {db} = ctx.store
    const flags = groupFlags(db)
    const adminVia: Via[] = [...flags].filter(([, group]) => group.admin).map(([group]) => ({group, globalAdmin: true}))
    const creatorVia: Via[] = [...flags].filter(([, group]) => group.mayCreateServices).map(([group]) => ({group, globalAdmin: false}))
    const services = reviewServices(db)
    const infrastructures = reviewInfrastructures(db)

    const productionDeployers: ProductionDeployers[] = infrastructures
      .filter((infra) => infra.stage === 'Production')
      .map((infra) => ({
        infrastructure: infra.id,
        ...holdersThrough(db, [...adminVia, ...infra.privileges.deploy.map((group) => ({group, globalAdmin: false}))]),
      }))

    // The groups the review names anywhere, each listed once with its members.
    const named = new Set([...adminVia, ...creatorVia].map((via) => via.group))
    for (const object of [...services, ...infrastructures]) {
      for (const groups of Object.values(object.privileges) as string[][]) for (const group of groups) named.add(group)
    }

    return {
      generatedAt: now.toISOString(),
      globalAdministrators: holdersThrough(db, adminVia),
      serviceCreators: holdersThrough(db, creatorVia),
      groups: reviewGroups(db, [...named], flags),
      services,
      infrastructures,
      productionDeployers,
      findings: reviewFindings(db, now),
    }
  })
}
