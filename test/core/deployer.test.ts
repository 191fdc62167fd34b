import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {
  decideDeployment,
  decideInfra,
  decideService,
  DEPLOYMENT_ACTIONS,
  denialMessage,
  effectiveInfraPrivileges,
  effectiveServicePrivileges,
  expandInfraPrivileges,
  expandServicePrivileges,
  grantScope,
  INFRA_ACTIONS,
  inScope,
  infraGrantsGiving,
  isValidObjectId,
  isValidVersion,
  SERVICE_ACTIONS,
  serviceGrantsGiving,
  type ServicePrivilege,
} from '../../src/core/deployer.js'
import {allows, type Grant} from '../../src/core/grants.js'

describe('privilege implication', () => {
  it.each<[ServicePrivilege[], ServicePrivilege[]]>([
    [[], []],
    [['read'], ['read']],
    [['write'], ['read', 'write']],
    [['deploy'], ['read', 'deploy']],
    [['admin'], ['read', 'write', 'deploy', 'admin']],
    [['write', 'deploy'], ['read', 'write', 'deploy']],
  ])('service %j gives %j', (granted, expected) => {
    expect(expandServicePrivileges(granted)).toEqual(expected)
  })

  it.each([
    [[], []],
    [['view'], ['view']],
    [['deploy'], ['view', 'deploy']],
    [['admin'], ['view', 'deploy', 'admin']],
  ] as const)('infra %j gives %j', (granted, expected) => {
    expect(expandInfraPrivileges(granted)).toEqual(expected)
  })

  it('names the grants that give a privilege, for the SQL filters', () => {
    expect(serviceGrantsGiving('read')).toEqual(['read', 'write', 'deploy', 'admin'])
    expect(serviceGrantsGiving('deploy')).toEqual(['deploy', 'admin'])
    expect(infraGrantsGiving('view')).toEqual(['view', 'deploy', 'admin'])
    expect(infraGrantsGiving('admin')).toEqual(['admin'])
  })
})

describe('effective privileges', () => {
  it.each([
    [{globalAdmin: true, owner: false, groupPrivileges: []}, ['read', 'write', 'deploy', 'admin']],
    [{globalAdmin: false, owner: true, groupPrivileges: []}, ['read', 'write', 'deploy', 'admin']],
    [{globalAdmin: false, owner: false, groupPrivileges: ['deploy']}, ['read', 'deploy']],
    [{globalAdmin: false, owner: false, groupPrivileges: []}, []],
  ] as const)('service standing %j holds %j', (standing, expected) => {
    expect(effectiveServicePrivileges(standing)).toEqual(expected)
  })

  it.each([
    [{globalAdmin: true, groupPrivileges: []}, ['view', 'deploy', 'admin']],
    [{globalAdmin: false, groupPrivileges: ['deploy']}, ['view', 'deploy']],
    [{globalAdmin: false, groupPrivileges: []}, []],
  ] as const)('infra standing %j holds %j', (standing, expected) => {
    expect(effectiveInfraPrivileges(standing)).toEqual(expected)
  })
})

describe('decision table', () => {
  const service = (held: ServicePrivilege[]) => expandServicePrivileges(held)

  it.each([
    ['see', [], 'hidden'],
    ['see', ['read'], 'allowed'],
    ['versions', ['read'], 'denied'],
    ['versions', ['write'], 'allowed'],
    ['settings', ['write', 'deploy'], 'denied'],
    ['settings', ['admin'], 'allowed'],
    ['permissions', ['deploy'], 'denied'],
    ['keys', ['read'], 'denied'],
    ['keys', ['admin'], 'allowed'],
    ['delete', ['deploy'], 'denied'],
    ['delete', ['admin'], 'allowed'],
  ] as const)('service %s with %j is %s', (action, held, outcome) => {
    expect(decideService(action, 'svc', service([...held])).outcome).toBe(outcome)
  })

  it.each([
    ['see', [], 'hidden'],
    ['see', ['view'], 'allowed'],
    ['settings', ['deploy'], 'denied'],
    ['permissions', ['admin'], 'allowed'],
    ['delete', ['view'], 'denied'],
  ] as const)('infra %s with %j is %s', (action, held, outcome) => {
    expect(decideInfra(action, 'inf', expandInfraPrivileges([...held])).outcome).toBe(outcome)
  })

  it.each([
    ['see', ['read'], ['view'], 'allowed', []],
    ['see', [], ['view'], 'hidden', []],
    ['see', ['read'], [], 'hidden', []],
    ['create', ['deploy'], ['deploy'], 'allowed', []],
    ['create', ['read'], ['deploy'], 'denied', ['service']],
    ['update', ['deploy'], ['view'], 'denied', ['infrastructure']],
    ['delete', ['read'], ['view'], 'denied', ['service', 'infrastructure']],
    ['keys', ['admin'], ['admin'], 'allowed', []],
  ] as const)('deployment %s with service %j, infra %j is %s', (action, s, i, outcome, missing) => {
    const verdict = decideDeployment(action, {id: 'svc', held: service([...s])}, {id: 'inf', held: expandInfraPrivileges([...i])})
    expect(verdict.outcome).toBe(outcome)
    if (verdict.outcome === 'denied') expect(verdict.missing.map((m) => m.kind)).toEqual(missing)
  })

  it('maps every action to the token function of the spec', () => {
    expect(Object.fromEntries(Object.entries(SERVICE_ACTIONS).map(([a, r]) => [a, r.tokenFunction]))).toEqual({
      see: 'get',
      versions: 'edit',
      settings: 'admin',
      permissions: 'admin',
      keys: 'admin',
      delete: 'admin',
    })
    expect(INFRA_ACTIONS.see.tokenFunction).toBe('get')
    expect(INFRA_ACTIONS.delete.tokenFunction).toBe('admin')
    for (const [action, rule] of Object.entries(DEPLOYMENT_ACTIONS)) {
      expect(rule.tokenFunction).toBe(action === 'see' ? 'get' : 'deploy')
    }
  })

  it('names what is missing and what is held', () => {
    expect(
      denialMessage(
        [
          {kind: 'service', id: 'churn', privilege: 'deploy'},
          {kind: 'infrastructure', id: 'prod', privilege: 'deploy'},
        ],
        [
          {kind: 'service', id: 'churn', privileges: ['read']},
          {kind: 'infrastructure', id: 'prod', privileges: []},
        ],
      ),
    ).toBe("permission denied: needs 'deploy' on service churn and 'deploy' on infrastructure prod; you have 'read' on service churn and nothing on infrastructure prod")
  })
})

describe('grantScope', () => {
  it.each<[string, Grant[], ReturnType<typeof grantScope>]>([
    ['no grants', [], {all: false, accounts: [], entities: []}],
    ['admin', [{resources: ['*'], functions: ['*'], accounts: ['*'], entities: ['*']}], {all: true}],
    ['own account', [{resources: ['*'], functions: ['*'], accounts: ['a1'], entities: []}], {all: false, accounts: ['a1'], entities: []}],
    ['other function', [{resources: ['*'], functions: ['deploy'], accounts: ['*'], entities: []}], {all: false, accounts: [], entities: []}],
    ['other resource', [{resources: ['models'], functions: ['get'], accounts: ['*'], entities: []}], {all: false, accounts: [], entities: []}],
    ['one entity', [{resources: ['services'], functions: ['get'], accounts: [], entities: ['churn']}], {all: false, accounts: [], entities: ['churn']}],
  ])('%s', (_label, grants, expected) => {
    expect(grantScope(grants, 'get', 'services')).toEqual(expected)
  })

  // The SQL list filter is grantScope; it must agree with the one grant evaluator on every object.
  it('agrees with allows() on every object', () => {
    const value = fc.constantFrom('*', 'a1', 'a2', 'svc1', 'svc2', 'get', 'deploy', 'services', 'deployments')
    const grant = fc.record({
      resources: fc.array(value, {maxLength: 3}),
      functions: fc.array(value, {maxLength: 3}),
      accounts: fc.array(value, {maxLength: 3}),
      entities: fc.array(value, {maxLength: 3}),
    })
    fc.assert(
      fc.property(
        fc.array(grant, {maxLength: 4}),
        fc.constantFrom('get', 'deploy'),
        fc.constantFrom('services', 'deployments'),
        fc.constantFrom(null, 'a1', 'a2'),
        fc.constantFrom('svc1', 'svc2'),
        (grants, fn, resource, owner, id) => {
          const expected = allows(grants, {function: fn, resource, account: owner, entity: id})
          expect(inScope(grantScope(grants, fn, resource), {owner, id})).toBe(expected)
        },
      ),
      {numRuns: 2000},
    )
  })
})

describe('ids', () => {
  it.each(['churn', 'churn-model', 'a', 'A.b_c-1', 'x'.repeat(128)])('accepts object id %s', (id) => {
    expect(isValidObjectId(id)).toBe(true)
  })

  it.each(['', '-x', 'a b', 'a/b', 'x'.repeat(129), "a'; DROP"])('rejects object id %j', (id) => {
    expect(isValidObjectId(id)).toBe(false)
  })

  it.each(['v1', '1.2.0+build.7', '2024-01-01'])('accepts version %s', (v) => expect(isValidVersion(v)).toBe(true))
  it.each(['', '+1', 'v 1', 'x'.repeat(65)])('rejects version %j', (v) => expect(isValidVersion(v)).toBe(false))
})
