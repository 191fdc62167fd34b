import {userInfo} from 'node:os'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CanIAnswer} from '../../../src/domain/can-i/answer.js'
import type {WhoAmI} from '../../../src/domain/whoami.js'
import {cliOn, type ErrorJson, expectNoStackTrace, runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

describe('auth whoami and auth can-i through the CLI', () => {
  let dir: TempDir
  let bob: string
  let bobToken: string
  let adminKey: string
  const {run, json, must} = cliOn(() => dir.storePath)

  beforeAll(async () => {
    dir = tempDir()
    await must(['groups', 'create', 'devops'])
    bob = (await json<{id: string}>(['accounts', 'create', '-n', 'bob', '--group', 'devops'])).json.id
    await must(['service', 'create', 'fraud-scoring'])
    await must(['service', 'permissions', 'set', 'fraud-scoring', '--group', 'devops', '--read'])
    await must(['infra', 'create', 'dev', '--stage', 'Development'])
    await must(['infra', 'permissions', 'set', 'dev', '--group', 'devops', '--deploy'])
    bobToken = await must(['tokens', 'create', '-t', 'account', '-i', bob, '--role', 'AuditDeveloper', '--label', 'bob-ci'])
    adminKey = await must(['admin-key', 'create', '--label', 'ops', '--ttl', '30d'])
  })
  afterAll(() => dir.cleanup())

  it('whoami: the operator, an admin key, a token; a bad credential is exit 3', async () => {
    const operator = await json<WhoAmI>(['auth', 'whoami'])
    expect(operator.json).toEqual({
      kind: 'operator',
      user: userInfo().username,
      fullRights: true,
      // Where the store and the credential came from (docs/contexts.md): here the environment, and no credential.
      settings: {context: null, store: {path: dir.storePath, from: 'environment'}, credential: {from: 'default', file: null}},
    })
    expect((await run(['auth', 'whoami'])).stdout).toMatch(
      /^caller: +operator with full rights \(no credential\)\nuser: +\S+\ncontext: *\nstore: +\S+\nstore from: +environment\ncredential from: +default\n$/,
    )

    const key = await json<WhoAmI>(['auth', 'whoami'], {env: {ACCESSCTL_ADMIN_KEY: adminKey}})
    expect(key.json).toMatchObject({kind: 'admin-key', label: 'ops', fullRights: true})
    expect(key.json.kind === 'admin-key' && key.json.expiresAt).toMatch(/^\d{4}-/)
    expect(key.stdout).not.toContain(adminKey)

    const token = await json<WhoAmI>(['auth', 'whoami'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(token.json).toMatchObject({
      kind: 'token',
      fullRights: false,
      account: {id: bob, name: 'bob'},
      groups: ['everyone', 'devops'],
      globalPrivileges: {admin: false, mayCreateServices: false},
      token: {type: 'account'},
    })
    if (token.json.kind !== 'token') throw new Error('not a token caller')
    expect(token.json.token.grants.length).toBeGreaterThan(0)
    expect(Date.parse(token.json.token.expiresAt)).toBeGreaterThan(Date.now() + 80 * 86_400_000)
    expect(token.stdout).not.toContain(bobToken)
    const human = await run(['auth', 'whoami'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(human.stdout).toMatch(/^caller: +account token\naccount: +[0-9a-f]{32}\nname: +bob\ngroups: +everyone, devops\n/)
    expect(human.stdout).toMatch(/\ngrants:\n {2}- resources:/)

    const bad = await json<ErrorJson>(['auth', 'whoami'], {env: {ACCESSCTL_TOKEN: `${bobToken}x`}})
    expect(bad.code).toBe(3)
    expect(bad.json.error.code).toBe('denied')
    const empty = await run(['auth', 'whoami'], {env: {ACCESSCTL_TOKEN: ' '}})
    expect(empty.code).toBe(2)
  })

  it('can-i: yes is exit 0, no is exit 3 with the reason; --explain says what is missing and through which group', async () => {
    const yes = await run(['auth', 'can-i', 'read', 'service/fraud-scoring'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(yes).toMatchObject({code: 0, stdout: 'yes\n', stderr: ''})

    const no = await run(['auth', 'can-i', 'deploy', 'service/fraud-scoring', '--infra', 'dev'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(no.code).toBe(3)
    expect(no.stdout).toBe('no\n')
    expect(no.stderr).toBe(
      "Error: permission denied: needs 'deploy' on service fraud-scoring; you have 'read' on service fraud-scoring and 'view, deploy' on infrastructure dev\n",
    )
    expectNoStackTrace(no)

    const explained = await run(['auth', 'can-i', 'deploy', 'service/fraud-scoring', '--infra', 'dev', '--as', 'bob', '--explain'])
    expect(explained.code).toBe(3)
    expect(explained.stdout).toBe(
      [
        `deploy service/fraud-scoring on infra/dev as account bob (${bob}), its own rights (--as)`,
        '  needs deploy on service fraud-scoring: MISSING',
        '  needs deploy on infrastructure dev: held',
        '  holds read on service fraud-scoring via devops (read)',
        '  holds view, deploy on infrastructure dev via devops (deploy)',
        '  groups: [everyone, devops]; global privileges: none',
        "  why not: permission denied: needs 'deploy' on service fraud-scoring; you have 'read' on service fraud-scoring and 'view, deploy' on infrastructure dev",
        'no',
        '',
      ].join('\n'),
    )

    const document = await json<CanIAnswer>(['auth', 'can-i', 'create', 'service', '--as', bob])
    expect(document.code).toBe(3)
    expect(document.json).toMatchObject({allowed: false, action: 'create', target: 'service', needs: [{kind: 'global', privilege: 'may-create-services', held: false}]})
    const allowed = await json<CanIAnswer>(['auth', 'can-i', 'deploy', 'infra/dev'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(allowed).toMatchObject({code: 0, json: {allowed: true, reason: null}})
    // The operator may do anything, and an object that does not exist is a no.
    expect((await run(['auth', 'can-i', 'administer', 'infra/dev'])).code).toBe(0)
    expect((await run(['auth', 'can-i', 'read', 'service/nope'])).code).toBe(3)
  })

  it('can-i --as needs the operator, an admin key or a global administrator (exit 3, audited); changes nothing', async () => {
    const audited = countRows(dir.storePath, 'audit_log')
    const deniedBefore = countRows(dir.storePath, 'audit_log', "outcome = 'denied'")
    const denied = await json<ErrorJson>(['auth', 'can-i', 'read', 'service/fraud-scoring', '--as', 'bob'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(denied.code).toBe(3)
    expect(denied.json.error).toMatchObject({code: 'denied', message: expect.stringMatching(/needs a global administrator/)})
    expect(countRows(dir.storePath, 'audit_log', "outcome = 'denied' AND action = 'auth.can-i'")).toBe(1)
    expect(countRows(dir.storePath, 'audit_log', "outcome = 'denied'")).toBe(deniedBefore + 1)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audited + 1)
    expect((await run(['auth', 'can-i', 'read', 'service/fraud-scoring', '--as', 'bob'], {env: {ACCESSCTL_ADMIN_KEY: adminKey}})).code).toBe(0)
    expect((await json<ErrorJson>(['auth', 'can-i', 'read', 'service/fraud-scoring', '--as', 'nobody'])).code).toBe(4)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audited + 1)
  })

  it('can-i deploy --id asks what deployment create --id asks: a token granting one deployment id (issue 17.11)', async () => {
    await must(['service', 'create', 'churn', '--owner', 'bob'])
    await must(['service', 'versions', 'add', 'churn', 'v1'])
    const policy = [
      `account: ${bob}`,
      'grants:',
      '  - {resources: [services, infrastructures], functions: [get], accounts: ["*"]}',
      '  - {resources: [deployments], functions: [get, deploy], accounts: [public], entities: [churn-canary]}',
      '',
    ].join('\n')
    const token = (await runCli(['tokens', 'create', '-c', '-'], {store: dir.storePath, input: policy})).stdout.trim()
    const env = {ACCESSCTL_TOKEN: token}
    const ask = (id: string) => json<CanIAnswer>(['auth', 'can-i', 'deploy', 'service/churn', '--infra', 'dev', '--id', id], {env})

    const other = await ask('churn-elsewhere')
    expect(other.code).toBe(3)
    expect(other.json).toMatchObject({allowed: false, target: 'service/churn on infra/dev as deployment/churn-elsewhere'})
    expect(other.stderr).toBe('')
    const before = countRows(dir.storePath, 'deployments')
    const refused = await json<ErrorJson>(['deployment', 'create', '--service', 'churn', '--infra', 'dev', '--id', 'churn-elsewhere'], {env})
    expect(refused.code).toBe(3)
    expect(refused.json.error.message).toBe(other.json.reason)
    expect(countRows(dir.storePath, 'deployments')).toBe(before)

    expect((await ask('churn-canary')).code).toBe(0)
    expect((await run(['deployment', 'create', '--service', 'churn', '--infra', 'dev', '--id', 'churn-canary'], {env})).code).toBe(0)
    // Now taken: can-i answers about permission, as kubectl's does; deployment create says the id is taken (exit 5).
    expect((await ask('churn-canary')).code).toBe(0)
    expect((await run(['deployment', 'create', '--service', 'churn', '--infra', 'dev', '--id', 'churn-canary'], {env})).code).toBe(5)
    expect((await run(['auth', 'can-i', 'read', 'service/churn', '--id', 'x'])).code).toBe(2)
  })

  it('can-i: bad questions are usage errors (exit 2)', async () => {
    const cases = [
      ['auth', 'can-i', 'fly', 'service/fraud-scoring'],
      ['auth', 'can-i', 'read', 'pods/x'],
      ['auth', 'can-i', 'read', 'service'],
      ['auth', 'can-i', 'write', 'infra/dev'],
      ['auth', 'can-i', 'administer', 'deployment/x'],
      ['auth', 'can-i', 'read'],
      ['auth', 'can-i', 'read', 'service/fraud-scoring', '--as', ''],
    ]
    for (const args of cases) {
      const result = await json<ErrorJson>(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.json.error.code).toBe('invalid_input')
    }
  })
})
