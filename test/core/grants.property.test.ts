import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {allows, covers, evaluate, FUNCTIONS, type Grant, RESOURCES, WILDCARD} from '../../src/core/grants.js'
import {ROLES} from '../../src/core/roles.js'

const ACCOUNTS = ['aaaa', 'bbbb', 'public', 'test']
const ENTITIES = ['svc-1', 'svc-2', 'dep-1']

const valueOf = (pool: readonly string[]) => fc.oneof({weight: 5, arbitrary: fc.constantFrom(...pool)}, {weight: 1, arbitrary: fc.constant(WILDCARD)})
const listOf = (pool: readonly string[], minLength = 0) => fc.uniqueArray(valueOf(pool), {minLength, maxLength: 3})

const grantArb: fc.Arbitrary<Grant> = fc.record({
  resources: listOf(RESOURCES, 1),
  functions: listOf(FUNCTIONS, 1),
  accounts: listOf(ACCOUNTS),
  entities: listOf(ENTITIES),
})

const requestArb = fc.record({
  function: fc.constantFrom(...FUNCTIONS),
  resource: fc.constantFrom(...RESOURCES),
  account: fc.option(fc.constantFrom(...ACCOUNTS), {nil: null}),
  entity: fc.option(fc.constantFrom(...ENTITIES), {nil: null}),
})

/** A grant list made narrower: some grants dropped, some values of the rest dropped (never emptied). */
function narrowed(grants: Grant[]): fc.Arbitrary<Grant[]> {
  return fc.tuple(...grants.map((grant) => fc.tuple(fc.boolean(), fc.context()).map(([keep]) => (keep ? grant : null)))).chain((kept) => {
    const survivors = kept.filter((g): g is Grant => g !== null)
    return fc.tuple(
      ...survivors.map((grant) =>
        fc.record({
          resources: fc.subarray(grant.resources, {minLength: 1}),
          functions: fc.subarray(grant.functions, {minLength: 1}),
          accounts: fc.subarray(grant.accounts),
          entities: fc.subarray(grant.entities),
        }),
      ),
    )
  })
}

describe('grant evaluator properties', () => {
  it('evaluate and allows always agree', () => {
    fc.assert(
      fc.property(fc.array(grantArb, {maxLength: 4}), requestArb, (grants, request) => {
        expect(evaluate(grants, request).allowed).toBe(allows(grants, request))
      }),
    )
  })

  it('the all-wildcard grant allows every request, and no grants allow none', () => {
    const everything: Grant = {resources: [WILDCARD], functions: [WILDCARD], accounts: [WILDCARD], entities: [WILDCARD]}
    fc.assert(
      fc.property(requestArb, (request) => {
        expect(allows([everything], request)).toBe(true)
        expect(allows([], request)).toBe(false)
      }),
    )
  })

  it('when outer covers inner, inner never allows what outer does not', () => {
    fc.assert(
      fc.property(fc.array(grantArb, {maxLength: 3}), fc.array(grantArb, {maxLength: 3}), requestArb, (outer, inner, request) => {
        if (covers(outer, inner) && allows(inner, request)) expect(allows(outer, request)).toBe(true)
      }),
      {numRuns: 2000},
    )
  })

  it('a token narrowed from a role never allows more than the role, and the role covers it', () => {
    for (const role of ROLES) {
      const roleGrants = role.expand('aaaa')
      fc.assert(
        fc.property(narrowed(roleGrants), requestArb, (narrow, request) => {
          expect(covers(roleGrants, narrow)).toBe(true)
          if (allows(narrow, request)) expect(allows(roleGrants, request)).toBe(true)
        }),
      )
    }
  })

  it('adding a grant never takes a permission away', () => {
    fc.assert(
      fc.property(fc.array(grantArb, {maxLength: 3}), grantArb, requestArb, (grants, extra, request) => {
        if (allows(grants, request)) expect(allows([...grants, extra], request)).toBe(true)
      }),
    )
  })

  it('a wildcard in a list matches any value there, including an object without owner', () => {
    fc.assert(
      fc.property(grantArb, requestArb, (grant, request) => {
        const open: Grant = {...grant, accounts: [WILDCARD]}
        const matchesRest = allows([{...open, entities: []}], request)
        const resourceOk = grant.resources.includes(WILDCARD) || grant.resources.includes(request.resource)
        const functionOk = grant.functions.includes(WILDCARD) || grant.functions.includes(request.function)
        expect(matchesRest).toBe(resourceOk && functionOk)
      }),
    )
  })
})
