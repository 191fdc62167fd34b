import {mkdirSync, renameSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DecisionPoint} from '../../src/domain/decision-point.js'
import {authorizeClient} from '../../src/domain/query-auth.js'
import {checkToken} from '../../src/domain/token-check.js'
import {verificationJson, verifyToken} from '../../src/domain/token-verifier.js'
import {NotFoundError} from '../../src/errors.js'
import {Store} from '../../src/store/store.js'
import {runCli, type TempDir, tempDir} from '../helpers/cli.js'
import {
  checkDecisionInput,
  DECISION_INPUT_CASES,
  type Outcome,
  prepareDecisionInputs,
  type Question,
  type StoreCli,
  storeCli,
} from '../helpers/decision-inputs.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../helpers/serve-fixture.js'
import {decodePart, signJwt, storeSigningKey} from '../helpers/tokens.js'

/**
 * DecisionPoint, in process: the same answers as the domain functions it wraps, and no cache that could answer a
 * stale yes (the signature cache is per exact token string; keys, expiry and revocation are read every call).
 */

let dir: TempDir
let fixture: ServeFixture
let decisions: DecisionPoint
const cli = async (...args: string[]) => {
  const result = await runCli(args, {store: dir.storePath})
  expect(result.code, result.stderr).toBe(0)
  return result.stdout.trim()
}

beforeAll(async () => {
  dir = tempDir()
  fixture = await buildServeFixture(dir.storePath)
  decisions = DecisionPoint.open(dir.storePath, {recheckMs: 0})
}, 120_000)

afterAll(() => {
  decisions.close()
  dir.cleanup()
})

describe('DecisionPoint', () => {
  it('answers what the domain functions answer on a store of its own', () => {
    const store = Store.open(dir.storePath)
    try {
      const request = {function: 'consume', resource: 'deployments', account: null, entity: DEPLOYMENTS.inherit}
      for (const token of [fixture.consumeToken, fixture.getToken, 'garbage']) {
        expect(decisions.verify(token)).toEqual(verificationJson(verifyToken(store.db, token)))
        expect(decisions.check(token, request)).toEqual(checkToken(store, token, request).check)
        const credential = {kind: 'bearer', token} as const
        expect(decisions.authorize(DEPLOYMENTS.inherit, credential).authorization).toEqual(authorizeClient(store.db, DEPLOYMENTS.inherit, credential))
      }

      for (const credential of [{kind: 'none'}, {kind: 'key', key: fixture.serviceKey.key}, {kind: 'key', key: 'acsk_wrong'}] as const) {
        for (const deployment of Object.values(DEPLOYMENTS)) {
          expect(decisions.authorize(deployment, credential).authorization).toEqual(authorizeClient(store.db, deployment, credential))
        }
      }
    } finally {
      store.close()
    }
  })

  it('says how a gateway should refuse: unauthenticated (401) or forbidden (403)', () => {
    const refusal = (deployment: string, credential: Parameters<DecisionPoint['authorize']>[1]) => decisions.authorize(deployment, credential)
    expect(refusal(DEPLOYMENTS.inherit, {kind: 'none'})).toMatchObject({refusal: 'unauthenticated', invalidToken: false})
    expect(refusal(DEPLOYMENTS.apiKeys, {kind: 'key', key: fixture.serviceKey.key})).toMatchObject({refusal: 'unauthenticated'})
    expect(refusal(DEPLOYMENTS.inherit, {kind: 'bearer', token: 'x.y.z'})).toMatchObject({refusal: 'unauthenticated', invalidToken: true, tokenAccountId: null})
    expect(refusal(DEPLOYMENTS.inherit, {kind: 'bearer', token: fixture.getToken})).toMatchObject({refusal: 'forbidden', tokenAccountId: fixture.aliceId})
    expect(refusal(DEPLOYMENTS.disabled, {kind: 'key', key: fixture.serviceKey.key})).toMatchObject({refusal: 'forbidden'})
    expect(refusal(DEPLOYMENTS.disabled, {kind: 'none'})).toMatchObject({refusal: 'forbidden'})
    expect(refusal(DEPLOYMENTS.inherit, {kind: 'bearer', token: fixture.consumeToken})).toMatchObject({refusal: null, tokenAccountId: fixture.aliceId})
  })

  it('a cached good signature is for that exact token: the same signature over other claims is refused', () => {
    expect(decisions.verify(fixture.consumeToken)).toMatchObject({valid: true})
    const [head, , signature] = fixture.consumeToken.split('.')
    const widened = {...decodePart(fixture.consumeToken, 1), grants: [{resources: ['*'], functions: ['*'], accounts: ['*'], entities: ['*']}]}
    const forged = `${head}.${Buffer.from(JSON.stringify(widened)).toString('base64url')}.${signature}`
    expect(decisions.verify(forged)).toMatchObject({valid: false, reason: 'bad_signature'})
  })

  it('never answers a stale yes: revocation, expiry and retired keys count from the next call', async () => {
    const token = await cli('tokens', 'create', '-i', 'alice', '-f', 'consume', '-r', 'deployments', '-e', DEPLOYMENTS.inherit)
    const bearer = {kind: 'bearer', token} as const
    expect(decisions.authorize(DEPLOYMENTS.inherit, bearer).refusal).toBeNull()
    await cli('tokens', 'revoke', String(decodePart(token, 1).jti), '--yes')
    expect(decisions.verify(token)).toMatchObject({valid: false, reason: 'revoked'})
    expect(decisions.authorize(DEPLOYMENTS.inherit, bearer).refusal).toBe('unauthenticated')

    // An ephemeral token that expires in a second: verified (and its signature cached) now, expired after.
    const key = storeSigningKey(dir.storePath)
    const now = Math.floor(Date.now() / 1000)
    const shortLived = signJwt(
      {alg: 'EdDSA', kid: key.kid, typ: 'JWT'},
      {jti: 'cd'.repeat(16), sub: `Account/${fixture.aliceId}`, iat: now, nbf: now, exp: now + 1, typ: 'ephemeral', grants: []},
      key.privateKey,
    )
    expect(decisions.verify(shortLived)).toMatchObject({valid: true})
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect(decisions.verify(shortLived)).toMatchObject({valid: false, reason: 'expired'})

    const kid = String(decodePart(fixture.consumeToken, 0).kid)
    expect(decisions.verify(fixture.consumeToken)).toMatchObject({valid: true})
    await cli('tokens', 'keys', 'rotate')
    await cli('tokens', 'keys', 'retire', '--yes', '--', kid)
    expect(decisions.verify(fixture.consumeToken)).toMatchObject({valid: false, reason: 'retired_key'})
    expect(decisions.jwks().keys.map((jwk) => jwk.kid)).not.toContain(kid)
  })
})

describe('DecisionPoint over a store that changes: every decision input counts from the next call', () => {
  let inputs: TempDir
  let cli: StoreCli
  let point: DecisionPoint

  beforeAll(async () => {
    inputs = tempDir()
    cli = storeCli(inputs.storePath)
    // The first command makes the store; the DecisionPoint opens it then and stays open throughout.
    await prepareDecisionInputs(cli)
    point = DecisionPoint.open(inputs.storePath)
  }, 60_000)

  afterAll(() => {
    point.close()
    inputs.cleanup()
  })

  const ask = async ({deployment, credential}: Question): Promise<Outcome> => {
    try {
      return point.authorize(deployment, credential).refusal ?? 'admitted'
    } catch (error) {
      if (error instanceof NotFoundError) return 'not_found'
      throw error
    }
  }

  it.each(DECISION_INPUT_CASES.map((item, index) => [item.name, item, index + 1] as const))('%s', async (_name, item, n) => {
    await checkDecisionInput(item, n, cli, ask)
  })

  it('a store file renamed over the path (a shipped snapshot) is read from the next call, nothing of the old one kept', async () => {
    const snapshots = join(inputs.path, 'snapshots')
    mkdirSync(snapshots)
    const snapshot = join(snapshots, 'accessctl.db')
    const ship = async () => {
      const staging = `${snapshot}.${Date.now()}.tmp`
      await cli.run('store', 'backup', staging)
      renameSync(staging, snapshot)
    }

    await cli.run('service', 'create', 'shipped', '--no-public')
    await cli.run('service', 'versions', 'add', 'shipped', '1.0')
    await cli.run('deployment', 'create', '--service', 'shipped', '--infra', 'prod')
    const created = await cli.json<{id: string; key: string}>('service', 'keys', 'create', 'shipped')
    await ship()
    const follower = DecisionPoint.open(snapshot, {recheckMs: 0})
    try {
      const admitted = () => follower.authorize('shipped-on-prod', {kind: 'key', key: created.key}).authorization.admitted
      expect([admitted(), admitted()]).toEqual([true, true])
      await cli.run('service', 'keys', 'delete', 'shipped', created.id, '--yes')
      // The snapshot has not changed: the follower answers from it, as a replica does until it catches up.
      expect(admitted()).toBe(true)
      await ship()
      expect(admitted()).toBe(false)
    } finally {
      follower.close()
    }
  })
})
