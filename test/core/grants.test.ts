import {describe, expect, it} from 'vitest'

import {type AccessRequest, allows, closestName, covers, evaluate, FUNCTIONS, type Grant} from '../../src/core/grants.js'
import {findRole} from '../../src/core/roles.js'

const OWN = 'aeb78193c526484fa4f5c14d182ba039'
const OTHER = '3076c505c36b46bdad1cf1abefaeb580'
const admin = findRole('Admin')!.expand(OWN)
const developer = findRole('AuditDeveloper')!.expand(OWN)
const g = (resources: string[], functions: string[], accounts: string[] = [], entities: string[] = []): Grant => ({
  resources,
  functions,
  accounts,
  entities,
})
const flagsGrant = [g(['datasets', 'models'], ['consume'], ['test'])]

describe('evaluate and allows', () => {
  const cases: Array<[string, Grant[], AccessRequest, boolean]> = [
    ['Admin: anything anywhere', admin, {function: 'delete', resource: 'tokens', account: OTHER}, true],
    ['Admin: an object with no owner', admin, {function: 'admin', resource: 'services', account: null, entity: 'svc'}, true],
    ['AuditDeveloper: everything in its own account', developer, {function: 'delete', resource: 'models', account: OWN}, true],
    ['AuditDeveloper: get anything', developer, {function: 'get', resource: 'datasets', account: OTHER}, true],
    ['AuditDeveloper: query an unowned object', developer, {function: 'query', resource: 'services', account: null, entity: 'x'}, true],
    ['AuditDeveloper: consume public', developer, {function: 'consume', resource: 'datasets', account: 'public'}, true],
    ['AuditDeveloper: not consume elsewhere', developer, {function: 'consume', resource: 'datasets', account: OTHER}, false],
    ['AuditDeveloper: not edit elsewhere', developer, {function: 'edit', resource: 'models', account: OTHER}, false],
    ['flags grant: consume datasets in test', flagsGrant, {function: 'consume', resource: 'datasets', account: 'test'}, true],
    ['flags grant: consume models in test', flagsGrant, {function: 'consume', resource: 'models', account: 'test'}, true],
    ['flags grant: not get', flagsGrant, {function: 'get', resource: 'datasets', account: 'test'}, false],
    ['flags grant: not another resource', flagsGrant, {function: 'consume', resource: 'reports', account: 'test'}, false],
    ['flags grant: not another account', flagsGrant, {function: 'consume', resource: 'datasets', account: OWN}, false],
    ['flags grant: not without an account', flagsGrant, {function: 'consume', resource: 'datasets'}, false],
    ['entity grant: its entity', [g(['services'], ['edit'], [], ['svc'])], {function: 'edit', resource: 'services', entity: 'svc'}, true],
    ['entity grant: another entity', [g(['services'], ['edit'], [], ['svc'])], {function: 'edit', resource: 'services', entity: 'x'}, false],
    ['no grants', [], {function: 'get', resource: 'models', account: OWN}, false],
  ]

  it.each(cases)('%s', (_label, grants, request, expected) => {
    expect(allows(grants, request)).toBe(expected)
    const decision = evaluate(grants, request)
    expect(decision.allowed).toBe(expected)
    expect(decision.trace).toHaveLength(grants.length)
    expect(decision.matchedGrant === null).toBe(!expected)
  })

  it('traces which parts of each grant matched', () => {
    const decision = evaluate(developer, {function: 'consume', resource: 'datasets', account: OTHER})
    expect(decision.trace.map((t) => [t.resource, t.function, t.account, t.entity, t.matched])).toEqual([
      [true, true, false, false, false],
      [true, false, true, true, false],
      [true, true, false, false, false],
    ])
  })
})

describe('covers', () => {
  const cases: Array<[string, Grant[], Grant[], boolean]> = [
    ['Admin covers AuditDeveloper', admin, developer, true],
    ['AuditDeveloper does not cover Admin', developer, admin, false],
    ['a role covers itself', developer, developer, true],
    ['AuditDeveloper covers consume in public', developer, [g(['datasets'], ['consume'], ['public'])], true],
    ['AuditDeveloper covers anything in its own account', developer, [g(['*'], ['*'], [OWN])], true],
    ['AuditDeveloper covers get on any entity', developer, [g(['models'], ['get'], [], ['m1'])], true],
    ['AuditDeveloper does not cover consume in test', developer, flagsGrant, false],
    ['a wildcard needs a wildcard', flagsGrant, [g(['*'], ['consume'], ['test'])], false],
    ['a narrower list is covered', flagsGrant, [g(['datasets'], ['consume'], ['test'])], true],
    ['nothing covers a function it lacks', flagsGrant, [g(['datasets'], ['get'], ['test'])], false],
    ['no grants are covered by anything', [], [], true],
  ]

  it.each(cases)('%s', (_label, outer, inner, expected) => {
    expect(covers(outer, inner)).toBe(expected)
  })
})

describe('closestName', () => {
  it('suggests a near name and nothing for a far one', () => {
    expect(closestName('consme', FUNCTIONS)).toBe('consume')
    expect(closestName('dataset', ['datasets', 'models'])).toBe('datasets')
    expect(closestName('zzzzzzzz', FUNCTIONS)).toBeUndefined()
  })
})
