import type {Grant} from '../../src/core/grants.js'
import {createAccount} from '../../src/domain/accounts.js'
import type {Caller, Context} from '../../src/domain/context.js'
import {createDeployment} from '../../src/domain/deployments.js'
import {createGroup} from '../../src/domain/groups.js'
import {createInfra, setInfraPermission} from '../../src/domain/infrastructures.js'
import {addVersion} from '../../src/domain/service-versions.js'
import {createService, setServicePermission} from '../../src/domain/services.js'
import type {Store} from '../../src/store/store.js'

/**
 * The two scenarios of the seed, as one store (shared by test/domain/deployer-matrix.test.ts and the `auth can-i`
 * tests, so can-i is checked against what the real commands allow on the very same permissions):
 *  (a) some services are public (everyone has read) while others cannot even be seen;
 *  (b) data scientists may deploy any service to development and test, only devops may deploy to production.
 */
export const PEOPLE = ['alice', 'dave', 'paula', 'frank', 'eve'] as const
export type Person = (typeof PEOPLE)[number]
export const SERVICES = ['weather', 'churn', 'fraud'] as const
export const INFRAS = ['dev', 'test', 'prod'] as const
export const DEPLOYMENTS = ['weather-on-dev', 'churn-on-prod', 'fraud-on-prod'] as const
export const ADMIN_GRANTS: Grant[] = [{resources: ['*'], functions: ['*'], accounts: ['*'], entities: ['*']}]

export const MEMBERSHIPS: Record<Person | 'oscar', string[]> = {
  alice: ['data-scientists'],
  dave: ['devops'],
  paula: ['platform-admins'],
  frank: ['fraud-team'],
  eve: [],
  oscar: ['data-scientists'],
}

/** Builds the scenario in an empty store, as the operator; returns the account id of each person. */
export function buildDeployerScenario(store: Store): Record<Person | 'oscar', string> {
  const op: Context = {store, caller: {kind: 'operator', user: 'test'}}
  createGroup(op, {name: 'data-scientists', mayCreateServices: true})
  createGroup(op, {name: 'devops'})
  createGroup(op, {name: 'platform-admins', admin: true})
  createGroup(op, {name: 'fraud-team'})
  const ids = {} as Record<Person | 'oscar', string>
  for (const [name, groups] of Object.entries(MEMBERSHIPS)) ids[name as Person] = createAccount(op, {name, groups}).id

  // (a) weather is public to all; churn is for the data scientists and devops; fraud is hidden from everyone else.
  for (const id of SERVICES) {
    createService(op, {id})
    addVersion(op, id, 'v1')
  }

  setServicePermission(op, 'weather', 'everyone', {read: true})
  for (const id of ['weather', 'churn']) setServicePermission(op, id, 'data-scientists', {deploy: true})
  setServicePermission(op, 'churn', 'data-scientists', {write: true})
  for (const id of SERVICES) setServicePermission(op, id, 'devops', {deploy: true})
  setServicePermission(op, 'fraud', 'fraud-team', {read: true})

  // (b) data scientists deploy to dev and test and only view prod; devops deploy everywhere.
  createInfra(op, {id: 'dev', stage: 'Development'})
  createInfra(op, {id: 'test', stage: 'Test'})
  createInfra(op, {id: 'prod', stage: 'Production'})
  setInfraPermission(op, 'dev', 'everyone', {view: true})
  for (const id of INFRAS) setInfraPermission(op, id, 'devops', {deploy: true})
  for (const id of ['dev', 'test']) setInfraPermission(op, id, 'data-scientists', {deploy: true})
  setInfraPermission(op, 'prod', 'data-scientists', {view: true})
  setInfraPermission(op, 'prod', 'fraud-team', {view: true})

  createDeployment(op, {service: 'weather', infra: 'dev'})
  createDeployment(op, {service: 'churn', infra: 'prod'})
  createDeployment(op, {service: 'fraud', infra: 'prod'})
  return ids
}

/** A verified token's caller for an account, as the base command resolves it. */
export function tokenCallerFor(accountId: string, grants: Grant[] = ADMIN_GRANTS, name = accountId): Caller {
  return {
    kind: 'token',
    accountId,
    jti: `jti-${name}`,
    tokenType: 'account',
    grants,
    expiresAt: new Date(Date.now() + 3_600_000),
    issuedAt: new Date(),
    kid: 'none',
    generation: 0,
    ancestors: [],
  }
}
