import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {createHash} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ServiceListResult} from '../../../src/commands/service/list.js'
import type {CreatedApiKey} from '../../../src/domain/api-keys.js'
import type {Deployment} from '../../../src/domain/deployments.js'
import type {Authorization} from '../../../src/domain/query-auth.js'
import type {ServiceVersion} from '../../../src/domain/service-versions.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {runInProcess} from '../../helpers/in-process.js'
import {countRows, queryRows} from '../../helpers/store.js'

/** The Deployer through the real CLI as the local operator: life cycles, refusals, and bad input for every command. */

let dir: TempDir
const run = (...args: string[]) => runCli(args, {store: dir.storePath})
const json = <T>(...args: string[]) => runJson<T>(args, {store: dir.storePath})

const TABLES = [
  'services',
  'service_permissions',
  'service_versions',
  'service_keys',
  'infrastructures',
  'infra_permissions',
  'deployments',
  'deployment_keys',
  'audit_log',
]
const snapshot = () => Object.fromEntries(TABLES.map((table) => [table, countRows(dir.storePath, table)]))

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['service', 'create', 'churn'],
    ['service', 'create', 'empty'],
    ['service', 'versions', 'add', 'churn', 'v1'],
    ['infra', 'create', 'prod', '--stage', 'Production'],
    ['infra', 'create', 'dev', '--stage', 'development'],
    ['deployment', 'create', '--service', 'churn', '--infra', 'prod'],
  ]) {
    const result = await run(...args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  }
})
afterAll(() => dir.cleanup())

describe('service, infra and deployment as the operator', () => {
  it('creates with the documented defaults and prints one line', async () => {
    const created = await json<Deployment>('deployment', 'create', '--service', 'churn', '--infra', 'dev')
    expect(created.code).toBe(0)
    expect(created.json).toMatchObject({id: 'churn-on-dev', version: 'v1', enabled: true, authMode: 'inherit', ownerAccountId: null})
    const list = await run('deployment', 'list', '--service', 'churn')
    expect(list.stdout.trim().split('\n').map((line) => line.split('\t')[0])).toEqual(['churn-on-dev', 'churn-on-prod'])
    const services = await json<ServiceListResult>('service', 'list')
    expect(services.json.items.map((s) => s.id)).toEqual(['churn', 'empty'])
  })

  it('records the size and sha256 of a version archive by streaming it', async () => {
    const archive = join(dir.path, 'churn-v2.zip')
    const content = Buffer.alloc(300_000, 7)
    writeFileSync(archive, content)
    const added = await json<ServiceVersion>('service', 'versions', 'add', 'churn', 'v2', '--file', archive)
    expect(added.code).toBe(0)
    expect(added.json).toMatchObject({size: content.length, sha256: createHash('sha256').update(content).digest('hex')})
    const deployed = await json<Deployment>('deployment', 'create', '--service', 'churn', '--infra', 'dev', '--id', 'churn-latest')
    expect(deployed.json.version).toBe('v2')
    expect((await run('deployment', 'delete', 'churn-latest', '--yes')).code).toBe(0)
  })

  it('sets, shows and removes group permissions with implications', async () => {
    await run('groups', 'create', 'devops')
    const set = await json<{effective: string[]}>('service', 'permissions', 'set', 'churn', '--group', 'devops', '--admin')
    expect(set.json.effective).toEqual(['read', 'write', 'deploy', 'admin'])
    const cleared = await json<{effective: string[]; admin: boolean; read: boolean}>(
      'service', 'permissions', 'set', 'churn', '--group', 'devops', '--no-admin', '--read',
    )
    expect(cleared.json).toMatchObject({admin: false, read: true, effective: ['read']})
    const infra = await json<{effective: string[]}>('infra', 'permissions', 'set', 'prod', '--group', 'devops', '--deploy')
    expect(infra.json.effective).toEqual(['view', 'deploy'])
    expect((await run('service', 'permissions', 'remove', 'churn', '--group', 'devops')).stdout).toMatch(/removed group 'devops'/)
    expect((await run('service', 'permissions', 'remove', 'churn', '--group', 'devops')).stdout).toMatch(/had no privileges/)
  })
})

describe('query keys and authorize', () => {
  it('walks a service key through its life: create, admitted, deleted, refused', async () => {
    expect((await run('deployment', 'authorize', 'churn-on-prod')).stdout).toBe('admitted: service churn is public\n')
    expect((await run('service', 'update', 'churn', '--no-public')).code).toBe(0)
    const anonymous = await json<Authorization>('deployment', 'authorize', 'churn-on-prod')
    expect(anonymous.code).toBe(3)
    expect(anonymous.json).toMatchObject({admitted: false, reason: 'key required', via: null})

    const created = await json<CreatedApiKey>('service', 'keys', 'create', 'churn', '--label', 'crm')
    expect(created.json.key).toMatch(/^acsk_[A-Za-z0-9_-]{43}$/)
    expect(queryRows<{key_hash: string}>(dir.storePath, 'SELECT key_hash FROM service_keys')[0].key_hash).toBe(
      createHash('sha256').update(created.json.key).digest('hex'),
    )
    const listed = await run('service', 'keys', 'list', 'churn', '--json')
    expect(listed.stdout).not.toContain(created.json.key)

    const admitted = await runJson<Authorization>(['deployment', 'authorize', 'churn-on-prod', '--key-stdin'], {
      store: dir.storePath,
      input: `${created.json.key}\n`,
    })
    expect(admitted.code).toBe(0)
    expect(admitted.json).toMatchObject({admitted: true, via: 'service-key', keyId: created.json.id, keyLabel: 'crm'})
    const wrong = await run('deployment', 'authorize', 'churn-on-prod', '--key', `${created.json.key}x`)
    expect(wrong.code).toBe(3)
    expect(wrong.stderr).toMatch(/not admitted: unknown key/)

    expect((await run('service', 'keys', 'delete', 'churn', created.json.id, '--yes')).code).toBe(0)
    const after = await run('deployment', 'authorize', 'churn-on-prod', '--key', created.json.key)
    expect(after.code).toBe(3)
    expect(after.stderr).toMatch(/unknown key/)
    const audit = queryRows<{target: string; detail: string | null}>(dir.storePath, 'SELECT target, detail FROM audit_log')
    expect(JSON.stringify(audit)).not.toContain(created.json.key)
  })

  it('uses only the deployment own keys in api-keys mode, and admits nobody when disabled', async () => {
    const serviceKey = (await json<CreatedApiKey>('service', 'keys', 'create', 'churn')).json.key
    expect((await run('deployment', 'auth', 'set', 'churn-on-prod', '--mode', 'api-keys')).code).toBe(0)
    const deploymentKey = (await run('deployment', 'keys', 'create', 'churn-on-prod', '--label', 'prod-client')).stdout.trim()
    expect(deploymentKey).toMatch(/^acdk_/)
    expect((await run('deployment', 'authorize', 'churn-on-prod', '--key', serviceKey)).code).toBe(3)
    const ok = await run('deployment', 'authorize', 'churn-on-prod', '--key', deploymentKey)
    expect(ok.code).toBe(0)
    expect(ok.stdout).toMatch(/^admitted: deployment key [0-9a-f]{32} \(prod-client\)$/m)

    expect((await run('deployment', 'disable', 'churn-on-prod')).code).toBe(0)
    const disabled = await json<Authorization>('deployment', 'authorize', 'churn-on-prod', '--key', deploymentKey)
    expect(disabled.code).toBe(3)
    expect(disabled.json.reason).toBe('deployment is disabled')
    expect((await run('deployment', 'enable', 'churn-on-prod')).code).toBe(0)

    expect((await run('deployment', 'auth', 'set', 'churn-on-prod', '--mode', 'public')).code).toBe(0)
    expect((await run('deployment', 'authorize', 'churn-on-prod')).stdout).toBe('admitted: public deployment\n')
  })
})

describe('authorize --bearer: client tokens', () => {
  it('admits a valid token granting consume on the deployment, and says why others are refused', async () => {
    // A token never exceeds its account: the client's account may see the deployment (read on the service, view
    // on the infrastructure); test/commands/deployer/authorize-bearer.test.ts shows the refusal when it may not.
    await run('groups', 'create', 'clients')
    await run('service', 'permissions', 'set', 'churn', '--group', 'clients', '--read')
    await run('infra', 'permissions', 'set', 'dev', '--group', 'clients', '--view')
    const account = (await json<{id: string}>('accounts', 'create', '-n', 'client-app', '-g', 'clients')).json.id
    const token = async (...grant: string[]) => (await run('tokens', 'create', '-t', 'account', '-i', account, ...grant)).stdout.trim()
    // churn-on-dev was made by the operator: it has no owner account, so only its id (or '*') in a grant matches it.
    const byId = await token('-f', 'consume', '-r', 'deployments', '-e', 'churn-on-dev')
    const byOwnAccount = await token('-f', 'consume', '-r', 'deployments', '-a', account)

    const admitted = await json<Authorization>('deployment', 'authorize', 'churn-on-dev', '--bearer', byId)
    expect(admitted.code).toBe(0)
    expect(admitted.json).toMatchObject({admitted: true, via: 'token'})
    const jti = admitted.json.jti!
    expect(admitted.json.reason).toBe(`token ${jti}`)

    const notGranted = await run('deployment', 'authorize', 'churn-on-dev', '--bearer', byOwnAccount)
    expect(notGranted.code).toBe(3)
    expect(notGranted.stderr).toMatch(/token does not grant consume on deployments/)

    expect((await run('tokens', 'revoke', jti, '--yes')).code).toBe(0)
    const revoked = await json<Authorization>('deployment', 'authorize', 'churn-on-dev', '--bearer', byId)
    expect(revoked.code).toBe(3)
    expect(revoked.json.reason).toBe('token invalid: revoked')
  })
})

describe('a token caller through the real CLI', () => {
  it('acts as its account: hidden is exit 4, seen but not allowed is exit 3 and audited', async () => {
    await run('groups', 'create', 'data-scientists')
    await run('infra', 'permissions', 'set', 'dev', '--group', 'data-scientists', '--deploy')
    await run('service', 'permissions', 'set', 'churn', '--group', 'data-scientists', '--deploy')
    const alice = (await json<{id: string}>('accounts', 'create', '-n', 'alice', '-g', 'data-scientists')).json.id
    const token = (await run('tokens', 'create', '-t', 'ephemeral', '-i', alice, '--role', 'Admin')).stdout.trim()
    const asAlice = (...args: string[]) => runCli(args, {store: dir.storePath, env: {ACCESSCTL_TOKEN: token}})

    expect((await asAlice('infra', 'get', 'prod')).code).toBe(4)
    expect((await asAlice('deployment', 'disable', 'churn-on-dev')).code).toBe(0)
    expect((await asAlice('service', 'delete', 'churn', '--yes')).stderr).toMatch(/needs 'admin' on service churn; you have 'read, deploy'/)
    const audit = queryRows<{actor: string; outcome: string}>(dir.storePath, "SELECT actor, outcome FROM audit_log WHERE action = 'service.delete'")
    expect(audit).toEqual([{actor: expect.stringMatching(new RegExp(`^account:${alice}/token:`)), outcome: 'denied'}])
    expect((await asAlice('deployment', 'enable', 'churn-on-dev')).code).toBe(0)
  })
})

describe('refusals while deployments exist (exit 5, nothing changed)', () => {
  it.each([
    [['service', 'delete', 'churn', '--yes'], /still has 2 deployment/],
    [['infra', 'delete', 'prod', '--yes'], /still has 1 deployment/],
    [['service', 'versions', 'delete', 'churn', 'v1', '--yes'], /is deployed \(churn-on-dev, churn-on-prod\)/],
  ])('%j', async (args, message) => {
    const before = snapshot()
    const result = await run(...args)
    expect(result.code).toBe(5)
    expect(result.stderr).toMatch(message)
    expect(snapshot()).toEqual(before)
  })

  it('deletes once the deployments are gone', async () => {
    await run('service', 'create', 'short-lived')
    await run('service', 'versions', 'add', 'short-lived', 'v1')
    await run('deployment', 'create', '--service', 'short-lived', '--infra', 'dev')
    expect((await run('service', 'delete', 'short-lived', '--yes')).code).toBe(5)
    expect((await run('deployment', 'delete', 'short-lived-on-dev', '--yes')).code).toBe(0)
    expect((await run('service', 'delete', 'short-lived', '--yes')).stdout).toBe("deleted service: 'short-lived'\n")
    expect(countRows(dir.storePath, 'service_versions', 'service_id = ?', 'short-lived')).toBe(0)
  })
})

describe('bad input: the right exit code and nothing written', () => {
  const bad: Array<[string[], number]> = [
    [['service', 'create', 'bad id'], 2],
    [['service', 'create', 'x', '--owner', 'nobody'], 4],
    [['service', 'create', 'churn'], 5],
    [['service', 'get', 'nosuch'], 4],
    [['service', 'get', '-bad'], 2],
    [['service', 'update', 'churn'], 2],
    [['service', 'update', 'nosuch', '--public'], 4],
    [['service', 'delete', 'nosuch', '--yes'], 4],
    [['service', 'delete', 'empty'], 2],
    [['service', 'permissions', 'list', 'nosuch'], 4],
    [['service', 'permissions', 'set', 'churn', '--group', 'everyone'], 2],
    [['service', 'permissions', 'set', 'churn', '--group', 'nosuch', '--read'], 4],
    [['service', 'permissions', 'set', 'churn', '--group', 'Bad Group', '--read'], 2],
    [['service', 'permissions', 'set', 'churn', '--read'], 2],
    [['service', 'permissions', 'remove', 'churn', '--group', 'nosuch'], 4],
    [['service', 'versions', 'add', 'churn', 'bad version'], 2],
    [['service', 'versions', 'add', 'churn', 'v9', '--file', '/nonexistent/archive.zip'], 2],
    [['service', 'versions', 'add', 'churn', 'v1'], 5],
    [['service', 'versions', 'add', 'nosuch', 'v1'], 4],
    [['service', 'versions', 'list', 'nosuch'], 4],
    [['service', 'versions', 'delete', 'churn', 'v9', '--yes'], 4],
    [['service', 'keys', 'create', 'nosuch'], 4],
    [['service', 'keys', 'create', 'churn', '--label', 'x'.repeat(201)], 2],
    [['service', 'keys', 'list', 'nosuch'], 4],
    [['service', 'keys', 'delete', 'churn', '00000000000000000000000000000000', '--yes'], 4],
    [['infra', 'create', 'x', '--stage', 'Staging'], 2],
    [['infra', 'create', 'x'], 2],
    [['infra', 'create', 'prod', '--stage', 'Test'], 5],
    [['infra', 'get', 'nosuch'], 4],
    [['infra', 'list', '--limit', '0'], 2],
    [['infra', 'update', 'prod'], 2],
    [['infra', 'update', 'prod', '--stage', 'bogus'], 2],
    [['infra', 'update', 'nosuch', '--stage', 'Test'], 4],
    [['infra', 'delete', 'nosuch', '--yes'], 4],
    [['infra', 'permissions', 'list', 'nosuch'], 4],
    [['infra', 'permissions', 'set', 'prod', '--group', 'everyone'], 2],
    [['infra', 'permissions', 'set', 'prod', '--group', 'nosuch', '--view'], 4],
    [['infra', 'permissions', 'remove', 'nosuch', '--group', 'everyone'], 4],
    [['deployment', 'create', '--service', 'churn'], 2],
    [['deployment', 'create', '--service', 'nosuch', '--infra', 'prod'], 4],
    [['deployment', 'create', '--service', 'churn', '--infra', 'nosuch'], 4],
    [['deployment', 'create', '--service', 'churn', '--infra', 'prod', '--version', 'v9', '--id', 'other'], 4],
    [['deployment', 'create', '--service', 'empty', '--infra', 'prod'], 4],
    [['deployment', 'create', '--service', 'churn', '--infra', 'prod'], 5],
    [['deployment', 'create', '--service', 'churn', '--infra', 'prod', '--id', 'bad id'], 2],
    [['deployment', 'list', '--service', 'nosuch'], 4],
    [['deployment', 'get', 'nosuch'], 4],
    [['deployment', 'update', 'churn-on-prod'], 2],
    [['deployment', 'update', 'churn-on-prod', '--version', 'v9'], 4],
    [['deployment', 'enable', 'nosuch'], 4],
    [['deployment', 'disable', 'nosuch'], 4],
    [['deployment', 'delete', 'nosuch', '--yes'], 4],
    [['deployment', 'auth', 'set', 'churn-on-prod', '--mode', 'open'], 2],
    [['deployment', 'auth', 'set', 'nosuch', '--mode', 'public'], 4],
    [['deployment', 'keys', 'create', 'nosuch'], 4],
    [['deployment', 'keys', 'list', 'nosuch'], 4],
    [['deployment', 'keys', 'delete', 'churn-on-prod', 'abc', '--yes'], 4],
    [['deployment', 'authorize', 'nosuch'], 4],
    [['deployment', 'authorize', 'churn-on-prod', '--key', 'a', '--bearer', 'b'], 2],
    [['deployment', 'authorize', 'churn-on-prod', '--key', ''], 2],
  ]

  let before: Record<string, number>
  beforeAll(() => {
    before = snapshot()
  })

  // In-process: sixty spawns would cost more than the rest of the suite; the spawned cases above cover the binary.
  it.each(bad)('%j exits %i', async (args, exitCode) => {
    const result = await runInProcess(args, {store: dir.storePath, json: true})
    expect(result.code).toBe(exitCode)
    expect((JSON.parse(result.stdout) as ErrorJson).error.exitCode).toBe(exitCode)
    expectNoStackTrace(result)
  })

  it('wrote nothing at all', () => {
    expect(snapshot()).toEqual(before)
  })
})

describe('on a locked store', () => {
  it('authorize still answers without a credential; the Deployer commands need one', async () => {
    const locked = tempDir()
    try {
      const opts = {store: locked.storePath}
      for (const args of [
        ['service', 'create', 'weather'],
        ['service', 'versions', 'add', 'weather', 'v1'],
        ['infra', 'create', 'dev', '--stage', 'Development'],
        ['deployment', 'create', '--service', 'weather', '--infra', 'dev'],
      ]) {
        expect((await runCli(args, opts)).code).toBe(0)
      }

      const {json: adminKey} = await runJson<{key: string}>(['admin-key', 'create'], opts)
      expect((await runCli(['store', 'lock', '--yes'], opts)).code).toBe(0)
      expect((await runCli(['deployment', 'authorize', 'weather-on-dev'], opts)).code).toBe(0)
      expect((await runCli(['service', 'list'], opts)).code).toBe(3)
      const withKey = await runCli(['deployment', 'disable', 'weather-on-dev'], {...opts, env: {ACCESSCTL_ADMIN_KEY: adminKey.key}})
      expect(withKey.code).toBe(0)
      const audit = queryRows<{actor: string}>(locked.storePath, "SELECT actor FROM audit_log WHERE action = 'deployment.disable'")
      expect(audit[0].actor).toMatch(/^admin-key:/)
      expect((await runCli(['deployment', 'authorize', 'weather-on-dev'], opts)).code).toBe(3)
    } finally {
      locked.cleanup()
    }
  })
})
