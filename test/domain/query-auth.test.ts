import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Grant} from '../../src/core/grants.js'
import {createAccount} from '../../src/domain/accounts.js'
import type {Context} from '../../src/domain/context.js'
import {createDeployment, createDeploymentKey, deleteDeploymentKey, setDeploymentAuth, setDeploymentEnabled} from '../../src/domain/deployments.js'
import {addMembers, createGroup} from '../../src/domain/groups.js'
import {createInfra, setInfraPermission} from '../../src/domain/infrastructures.js'
import {type BearerVerifier, authorizeClient} from '../../src/domain/query-auth.js'
import {addVersion} from '../../src/domain/service-versions.js'
import {createService, createServiceKey, setServicePermission, updateService} from '../../src/domain/services.js'
import {createToken} from '../../src/domain/token-mint.js'
import {tokenCaller, type VerifiedToken, verifyToken} from '../../src/domain/token-verifier.js'
import {revokeToken} from '../../src/domain/tokens.js'
import {Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'

let dir: TempDir
let store: Store
let ownerId: string
const op = (): Context => ({store, caller: {kind: 'operator', user: 'test'}})

/** Stands in for token verification: the token text names the grants it carries. */
function fakeVerifier(tokens: Record<string, Grant[]>): BearerVerifier {
  return (token) => (token in tokens ? {valid: true, jti: `jti-${token}`, accountId: ownerId, grants: tokens[token]} : {valid: false, reason: 'bad_signature'})
}

const consume = (over: Partial<Grant>): Grant => ({resources: ['deployments'], functions: ['consume'], accounts: [], entities: [], ...over})

beforeAll(() => {
  dir = tempDir()
  store = Store.open(dir.storePath)
  createGroup(op(), {name: 'ds', mayCreateServices: true, admin: true})
  ownerId = createAccount(op(), {name: 'owner', groups: ['ds']}).id
  createService(op(), {id: 'svc', public: false})
  addVersion(op(), 'svc', 'v1')
  createInfra(op(), {id: 'inf', stage: 'Test'})
  const asOwner: Context = {
    store,
    caller: {kind: 'token', accountId: ownerId, jti: 'x', tokenType: 'account', grants: [{resources: ['*'], functions: ['*'], accounts: ['*'], entities: ['*']}], expiresAt: new Date(Date.now() + 60_000), issuedAt: new Date(), kid: 'none', generation: 0, ancestors: []},
  }
  createDeployment(asOwner, {service: 'svc', infra: 'inf', id: 'dep'})
})
afterAll(() => {
  store.close()
  dir.cleanup()
})

const ask = (credential: Parameters<typeof authorizeClient>[2], verifier?: BearerVerifier) => authorizeClient(store.db, 'dep', credential, verifier)

describe('authorizeClient', () => {
  it('inherit mode follows the service: its keys when not public', () => {
    expect(ask({kind: 'none'})).toMatchObject({admitted: false, reason: 'key required', effectiveMode: 'api-keys'})
    const key = createServiceKey(op(), 'svc', {label: 'k'})
    expect(ask({kind: 'key', key: key.key})).toMatchObject({admitted: true, via: 'service-key', keyId: key.id, reason: `service key ${key.id} (k)`})
    expect(ask({kind: 'key', key: 'acsk_nope'})).toMatchObject({admitted: false, reason: 'unknown key'})
    updateService(op(), 'svc', {public: true})
    expect(ask({kind: 'none'})).toMatchObject({admitted: true, via: 'public-service'})
    updateService(op(), 'svc', {public: false})
  })

  it('api-keys mode accepts only the deployment keys; a deleted key fails at the next check', () => {
    const serviceKey = createServiceKey(op(), 'svc', {})
    setDeploymentAuth(op(), 'dep', 'api-keys')
    const key = createDeploymentKey(op(), 'dep', {})
    expect(ask({kind: 'key', key: serviceKey.key}).admitted).toBe(false)
    expect(ask({kind: 'key', key: key.key})).toMatchObject({admitted: true, via: 'deployment-key', keyId: key.id})
    deleteDeploymentKey(op(), 'dep', key.id)
    expect(ask({kind: 'key', key: key.key})).toMatchObject({admitted: false, reason: 'unknown key'})
  })

  it.each<[string, Grant[] | null, boolean, string]>([
    ['consume on the owner account', [consume({accounts: [] as string[]})], true, ''],
    ['consume on the deployment id', [consume({entities: ['dep']})], true, 'token jti-t'],
    ['consume on every deployment', [consume({accounts: ['*']})], true, 'token jti-t'],
    ['get only', [{resources: ['*'], functions: ['get'], accounts: ['*'], entities: ['*']}], false, 'token does not grant consume on deployments'],
    ['consume on another deployment', [consume({entities: ['other']})], false, 'token does not grant consume on deployments'],
    ['an invalid token', null, false, 'token invalid: bad_signature'],
  ])('a bearer token with %s: admitted %s', (_label, grants, admitted, reason) => {
    const forOwner = grants?.map((g) => (g.accounts.length === 0 && g.entities.length === 0 ? {...g, accounts: [ownerId]} : g))
    const verifier = fakeVerifier(forOwner ? {t: forOwner} : {})
    const answer = ask({kind: 'bearer', token: 't'}, verifier)
    expect(answer.admitted).toBe(admitted)
    if (reason) expect(answer.reason).toBe(reason)
  })

  it('public mode admits anyone; a disabled deployment admits nobody', () => {
    setDeploymentAuth(op(), 'dep', 'public')
    expect(ask({kind: 'none'})).toMatchObject({admitted: true, via: 'public-deployment', reason: 'public deployment'})
    setDeploymentEnabled(op(), 'dep', false)
    expect(ask({kind: 'none'})).toMatchObject({admitted: false, reason: 'deployment is disabled'})
    setDeploymentEnabled(op(), 'dep', true)
  })
})

/**
 * Issue 10, item 5: a token never exceeds its account. A bearer is admitted only when its grants allow consume AND
 * its account may see the deployment (read on the service, view on the infrastructure), with the real verifier.
 */
describe('authorizeClient with real tokens: the account must see the deployment', () => {
  const accounts: Record<string, string> = {}
  const bearer = async (account: string, role = 'Admin') =>
    ({kind: 'bearer', token: (await createToken(op(), {type: 'ephemeral', account, role})).token}) as const

  beforeAll(() => {
    setDeploymentAuth(op(), 'dep', 'api-keys')
    for (const group of ['svc-readers', 'infra-viewers', 'both']) createGroup(op(), {name: group})
    setServicePermission(op(), 'svc', 'svc-readers', {read: true})
    setInfraPermission(op(), 'inf', 'infra-viewers', {view: true})
    setServicePermission(op(), 'svc', 'both', {deploy: true})
    setInfraPermission(op(), 'inf', 'both', {admin: true})
    for (const name of ['outsider', 'svc-reader', 'infra-viewer', 'both-member', 'global-admin']) accounts[name] = createAccount(op(), {name}).id
    addMembers(op(), 'svc-readers', [accounts['svc-reader']])
    addMembers(op(), 'infra-viewers', [accounts['infra-viewer']])
    addMembers(op(), 'both', [accounts['both-member']])
    addMembers(op(), 'ds', [accounts['global-admin']])
  })

  it.each<[string, boolean]>([
    ['outsider', false],
    ['svc-reader', false],
    ['infra-viewer', false],
    ['both-member', true],
    ['global-admin', true],
  ])('an Admin-role token of %s: admitted %s', async (name, admitted) => {
    const answer = ask(await bearer(accounts[name]))
    expect(answer.admitted).toBe(admitted)
    if (admitted) expect(answer.via).toBe('token')
    else expect(answer.reason).toBe(`the token's account ${accounts[name]} may not see deployment dep (it needs read on service svc and view on infrastructure inf)`)
  })

  it('the grants still have to allow consume, whatever the account may see', async () => {
    const answer = ask({kind: 'bearer', token: (await createToken(op(), {
      type: 'ephemeral', account: accounts['global-admin'], grants: [{resources: ['*'], functions: ['get'], accounts: ['*'], entities: ['*']}],
    })).token})
    expect(answer).toMatchObject({admitted: false, reason: 'token does not grant consume on deployments'})
  })

  it('a revoked parent ends the bearer it minted', async () => {
    const parent = await createToken(op(), {type: 'account', account: accounts['both-member'], role: 'Admin', ttlSeconds: 3600})
    const caller = tokenCaller(verifyToken(store.db, parent.token) as VerifiedToken)
    const child = await createToken({store, caller}, {type: 'ephemeral', account: accounts['both-member'], role: 'Admin', ttlSeconds: 600})
    expect(ask({kind: 'bearer', token: child.token}).admitted).toBe(true)
    revokeToken(op(), parent.jti)
    expect(ask({kind: 'bearer', token: child.token})).toMatchObject({admitted: false, reason: 'token invalid: revoked'})
  })

  it('a non-canonical spelling of a valid bearer is refused as malformed', async () => {
    const {token} = await bearer(accounts['both-member'])
    expect(ask({kind: 'bearer', token}).admitted).toBe(true)
    const last = token.at(-1)!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const sibling = alphabet[alphabet.indexOf(last) + 1]
    expect(ask({kind: 'bearer', token: `${token.slice(0, -1)}${sibling}`})).toMatchObject({admitted: false, reason: 'token invalid: malformed'})
  })
})
