import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Grant} from '../../src/core/grants.js'
import {ROLES} from '../../src/core/roles.js'
import {createAccount, deleteAccount} from '../../src/domain/accounts.js'
import type {Context} from '../../src/domain/context.js'
import {createDeployment, getDeployment, listDeployments, setDeploymentEnabled} from '../../src/domain/deployments.js'
import {createInfra, getInfra, listInfras, updateInfra} from '../../src/domain/infrastructures.js'
import {addVersion} from '../../src/domain/service-versions.js'
import {
  createService,
  getService,
  listServices,
  setServicePermission,
  updateService,
} from '../../src/domain/services.js'
import {DeniedError, NotFoundError} from '../../src/errors.js'
import {Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'
import {
  ADMIN_GRANTS,
  buildDeployerScenario,
  DEPLOYMENTS,
  INFRAS,
  PEOPLE,
  type Person,
  SERVICES,
  tokenCallerFor,
} from '../helpers/deployer-scenario.js'

/**
 * The two scenarios of the seed (test/helpers/deployer-scenario.ts), checked cell by cell at the domain level with
 * token callers.
 */

type Outcome = 'ok' | 'denied' | 'not-found'

let dir: TempDir
let store: Store
let ids = {} as Record<Person | 'oscar', string>
const operator = (): Context => ({store, caller: {kind: 'operator', user: 'test'}})

function as(person: Person | 'oscar', grants: Grant[] = ADMIN_GRANTS): Context {
  return {store, caller: tokenCallerFor(ids[person], grants, person)}
}

function outcome(work: () => unknown): Outcome {
  try {
    work()
    return 'ok'
  } catch (error) {
    if (error instanceof DeniedError) return 'denied'
    if (error instanceof NotFoundError) return 'not-found'
    throw error
  }
}

beforeAll(() => {
  dir = tempDir()
  store = Store.open(dir.storePath)
  ids = buildDeployerScenario(store)
})

afterAll(() => {
  store.close()
  dir.cleanup()
})

/** Rows: caller; columns: objects in the order given. */
type Matrix = Record<Person, Outcome[]>

function cells(matrix: Matrix, objects: readonly string[]): Array<[Person, string, Outcome]> {
  return PEOPLE.flatMap((person) => objects.map((object, i): [Person, string, Outcome] => [person, object, matrix[person][i]]))
}


describe('services (scenario a: public and hidden services)', () => {
  const see: Matrix = {
    alice: ['ok', 'ok', 'not-found'],
    dave: ['ok', 'ok', 'ok'],
    paula: ['ok', 'ok', 'ok'],
    frank: ['ok', 'not-found', 'ok'],
    eve: ['ok', 'not-found', 'not-found'],
  }
  it.each(cells(see, SERVICES))('%s get service %s: %s', (person, id, expected) => {
    expect(outcome(() => getService(as(person), id))).toBe(expected)
  })

  it.each(PEOPLE.map((person) => [person]))('%s lists exactly the services it may see', (person) => {
    const listed = listServices(as(person), {limit: 100, offset: 0}).items.map((s) => s.id)
    expect(listed).toEqual(SERVICES.filter((_, i) => see[person][i] === 'ok').sort())
  })

  const addVersionMatrix: Matrix = {
    alice: ['denied', 'ok', 'not-found'],
    dave: ['denied', 'denied', 'denied'],
    paula: ['ok', 'ok', 'ok'],
    frank: ['denied', 'not-found', 'denied'],
    eve: ['denied', 'not-found', 'not-found'],
  }
  it.each(cells(addVersionMatrix, SERVICES))('%s add a version to %s: %s', (person, id, expected) => {
    expect(outcome(() => addVersion(as(person), id, `v-${person}`))).toBe(expected)
  })

  const settings: Matrix = {
    alice: ['denied', 'denied', 'not-found'],
    dave: ['denied', 'denied', 'denied'],
    paula: ['ok', 'ok', 'ok'],
    frank: ['denied', 'not-found', 'denied'],
    eve: ['denied', 'not-found', 'not-found'],
  }
  it.each(cells(settings, SERVICES))('%s change settings of %s: %s', (person, id, expected) => {
    expect(outcome(() => updateService(as(person), id, {public: true}))).toBe(expected)
  })

  it.each([
    ['alice', 'ok'],
    ['dave', 'denied'],
    ['paula', 'ok'],
    ['frank', 'denied'],
    ['eve', 'denied'],
  ] as const)('%s create a service: %s', (person, expected) => {
    expect(outcome(() => createService(as(person), {id: `new-${person}`}))).toBe(expected)
  })

  it("makes the creator's account the owner, with admin on it, and hides it from others", () => {
    const service = createService(as('oscar'), {id: 'oscar-svc', public: false})
    expect(service.ownerAccountId).toBe(ids.oscar)
    expect(getService(as('oscar'), 'oscar-svc').privileges).toEqual(['read', 'write', 'deploy', 'admin'])
    expect(outcome(() => setServicePermission(as('oscar'), 'oscar-svc', 'devops', {read: true}))).toBe('ok')
    expect(outcome(() => getService(as('dave'), 'oscar-svc'))).toBe('ok')
    expect(outcome(() => getService(as('alice'), 'oscar-svc'))).toBe('not-found')
    expect(outcome(() => getService(as('paula'), 'oscar-svc'))).toBe('ok')
  })

  it('refuses --owner from a token', () => {
    expect(outcome(() => createService(as('alice'), {id: 'owned', owner: ids.eve}))).toBe('denied')
  })
})

describe('infrastructures', () => {
  const see: Matrix = {
    alice: ['ok', 'ok', 'ok'],
    dave: ['ok', 'ok', 'ok'],
    paula: ['ok', 'ok', 'ok'],
    frank: ['ok', 'not-found', 'ok'],
    eve: ['ok', 'not-found', 'not-found'],
  }
  it.each(cells(see, INFRAS))('%s get infra %s: %s', (person, id, expected) => {
    expect(outcome(() => getInfra(as(person), id))).toBe(expected)
  })

  it.each(PEOPLE.map((person) => [person]))('%s lists exactly the infrastructures it may view', (person) => {
    const listed = listInfras(as(person), {limit: 100, offset: 0}).items.map((i) => i.id)
    expect(listed).toEqual(INFRAS.filter((_, i) => see[person][i] === 'ok').sort())
  })

  const admin: Matrix = {
    alice: ['denied', 'denied', 'denied'],
    dave: ['denied', 'denied', 'denied'],
    paula: ['ok', 'ok', 'ok'],
    frank: ['denied', 'not-found', 'denied'],
    eve: ['denied', 'not-found', 'not-found'],
  }
  it.each(cells(admin, INFRAS))('%s change the stage of %s: %s', (person, id, expected) => {
    const stage = id === 'dev' ? 'Development' : id === 'test' ? 'Test' : 'Production'
    expect(outcome(() => updateInfra(as(person), id, {stage}))).toBe(expected)
  })

  it.each([
    ['alice', 'denied'],
    ['dave', 'denied'],
    ['paula', 'ok'],
    ['eve', 'denied'],
  ] as const)('%s create an infrastructure: %s', (person, expected) => {
    expect(outcome(() => createInfra(as(person), {id: `infra-${person}`, stage: 'Test'}))).toBe(expected)
  })
})

describe('deployments (scenario b: data scientists to dev and test, devops to production)', () => {
  const PAIRS = SERVICES.flatMap((service) => INFRAS.map((infra) => `${service}/${infra}`))
  const create: Matrix = {
    //      weather: dev  test  prod      churn: dev test prod      fraud: dev test prod
    alice: ['ok', 'ok', 'denied', 'ok', 'ok', 'denied', 'not-found', 'not-found', 'not-found'],
    dave: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    paula: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    frank: ['denied', 'not-found', 'denied', 'not-found', 'not-found', 'not-found', 'denied', 'not-found', 'denied'],
    eve: ['denied', 'not-found', 'not-found', 'not-found', 'not-found', 'not-found', 'not-found', 'not-found', 'not-found'],
  }
  it.each(cells(create, PAIRS))('%s deploy %s: %s', (person, pair, expected) => {
    const [service, infra] = pair.split('/')
    expect(outcome(() => createDeployment(as(person), {service, infra, id: `${service}-${infra}-${person}`}))).toBe(expected)
  })

  const see: Matrix = {
    alice: ['ok', 'ok', 'not-found'],
    dave: ['ok', 'ok', 'ok'],
    paula: ['ok', 'ok', 'ok'],
    frank: ['ok', 'not-found', 'ok'],
    eve: ['ok', 'not-found', 'not-found'],
  }
  it.each(cells(see, DEPLOYMENTS))('%s get deployment %s: %s', (person, id, expected) => {
    expect(outcome(() => getDeployment(as(person), id))).toBe(expected)
  })

  it.each(PEOPLE.map((person) => [person]))('%s lists only deployments it may see', (person) => {
    const listed = new Set(listDeployments(as(person), {limit: 1000, offset: 0}).items.map((d) => d.id))
    DEPLOYMENTS.forEach((id, i) => expect(listed.has(id)).toBe(see[person][i] === 'ok'))
  })

  const disable: Matrix = {
    alice: ['ok', 'denied', 'not-found'],
    dave: ['ok', 'ok', 'ok'],
    paula: ['ok', 'ok', 'ok'],
    frank: ['denied', 'not-found', 'denied'],
    eve: ['denied', 'not-found', 'not-found'],
  }
  it.each(cells(disable, DEPLOYMENTS))('%s disable deployment %s: %s', (person, id, expected) => {
    expect(outcome(() => setDeploymentEnabled(as(person), id, false))).toBe(expected)
  })

  it('names the missing privileges on both sides', () => {
    expect(() => createDeployment(as('alice'), {service: 'weather', infra: 'prod', id: 'x1'})).toThrow(
      "permission denied: needs 'deploy' on infrastructure prod; you have 'read, deploy' on service weather and 'view' on infrastructure prod",
    )
    expect(() => setDeploymentEnabled(as('frank'), 'fraud-on-prod', true)).toThrow(
      "needs 'deploy' on service fraud and 'deploy' on infrastructure prod; you have 'read' on service fraud and 'view' on infrastructure prod",
    )
  })

  it("makes the creator's account the owner of a deployment", () => {
    expect(createDeployment(as('alice'), {service: 'churn', infra: 'test', id: 'alice-owned'}).ownerAccountId).toBe(ids.alice)
  })
})

describe('token side: grants narrow what the account may do', () => {
  const getOnly: Grant[] = [{resources: ['services', 'infrastructures', 'deployments'], functions: ['get'], accounts: ['*'], entities: ['*']}]

  it('a get-only token sees but may not deploy, although its account could', () => {
    expect(outcome(() => getService(as('alice', getOnly), 'weather'))).toBe('ok')
    expect(outcome(() => createDeployment(as('alice', getOnly), {service: 'weather', infra: 'test', id: 'narrow-1'}))).toBe('denied')
    expect(outcome(() => setDeploymentEnabled(as('alice', getOnly), 'weather-on-dev', true))).toBe('denied')
    expect(outcome(() => addVersion(as('alice', getOnly), 'churn', 'narrow'))).toBe('denied')
    expect(outcome(() => createDeployment(as('alice'), {service: 'weather', infra: 'test', id: 'narrow-1'}))).toBe('ok')
  })

  it('AuditDeveloper acts fully on objects its account owns and only reads the rest', () => {
    const grants = ROLES.find((role) => role.name === 'AuditDeveloper')!.expand(ids.alice)
    const developer = as('alice', grants)
    expect(outcome(() => createDeployment(developer, {service: 'weather', infra: 'test', id: 'dev-owned'}))).toBe('ok')
    expect(outcome(() => setDeploymentEnabled(developer, 'dev-owned', false))).toBe('ok')
    // weather-on-dev has no owner account: only a wildcard or its id in the grants matches it.
    expect(outcome(() => setDeploymentEnabled(developer, 'weather-on-dev', true))).toBe('denied')
    expect(outcome(() => getDeployment(developer, 'weather-on-dev'))).toBe('ok')
  })

  it('a token limited to one entity sees only that object, in get and in lists', () => {
    const grants: Grant[] = [{resources: ['services'], functions: ['get'], accounts: [], entities: ['weather']}]
    expect(listServices(as('dave', grants), {limit: 100, offset: 0}).items.map((s) => s.id)).toEqual(['weather'])
    expect(outcome(() => getService(as('dave', grants), 'churn'))).toBe('not-found')
    expect(listInfras(as('dave', grants), {limit: 100, offset: 0}).items).toEqual([])
  })

  it('a token never exceeds its account', () => {
    expect(outcome(() => getService(as('eve'), 'fraud'))).toBe('not-found')
    expect(outcome(() => createInfra(as('alice'), {id: 'nope', stage: 'Test'}))).toBe('denied')
  })

  it('pages lists in SQL with exact next offsets', () => {
    const first = listServices(as('paula'), {limit: 2, offset: 0})
    expect(first.items).toHaveLength(2)
    expect(first.nextOffset).toBe(2)
    const all = listServices(as('paula'), {limit: 1000, offset: 0}).items.map((s) => s.id)
    expect(listServices(as('paula'), {limit: 2, offset: 2}).items.map((s) => s.id)).toEqual(all.slice(2, 4))
  })
})

describe('ownership and account deletion', () => {
  it('refuses to delete an owner, then hands its objects over with --transfer-to', () => {
    const op = operator()
    const owner = createAccount(op, {name: 'leaving', groups: ['data-scientists']})
    ids.oscar = owner.id // `as('oscar')` now acts as the leaving account
    createService(as('oscar'), {id: 'handover'})
    addVersion(as('oscar'), 'handover', 'v1')
    createDeployment(as('oscar'), {service: 'handover', infra: 'dev'})
    expect(() => deleteAccount(op, {id: owner.id})).toThrow(/still owns 1 service, 1 deployment/)
    deleteAccount(op, {id: owner.id, transferTo: ids.eve})
    expect(getService(as('eve'), 'handover')).toMatchObject({ownerAccountId: ids.eve, privileges: ['read', 'write', 'deploy', 'admin']})
    expect(getDeployment(as('eve'), 'handover-on-dev').ownerAccountId).toBe(ids.eve)
  })
})
