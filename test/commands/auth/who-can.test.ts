import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuthWhoCanResult} from '../../../src/commands/auth/who-can.js'
import type {CanIList} from '../../../src/domain/can-i/list.js'
import {cliOn, type ErrorJson, expectNoStackTrace, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

/**
 * `auth who-can` and `auth can-i --list` through the CLI: what they print, who may ask, and bad questions refused
 * (exit 2) before anything is read or written. Their agreement with can-i on every cell of the docs/deployer.md scenarios is
 * who-can-scenarios.test.ts.
 */
describe('auth who-can and auth can-i --list through the CLI', () => {
  let dir: TempDir
  const id = {} as Record<'alice' | 'bob' | 'carol' | 'paula', string>
  const token = {} as Record<'bob' | 'paula' | 'paulaNarrow', string>
  let adminKey: string
  const {run, json, must} = cliOn(() => dir.storePath)

  beforeAll(async () => {
    dir = tempDir()
    await must(['groups', 'create', 'devops'])
    await must(['groups', 'create', 'data-scientists', '--may-create-services'])
    await must(['groups', 'create', 'platform-admins', '--admin'])
    for (const [name, group] of [['alice', 'data-scientists'], ['bob', 'devops'], ['carol', undefined], ['paula', 'platform-admins']] as const) {
      id[name] = (await json<{id: string}>(['accounts', 'create', '-n', name, ...(group ? ['-g', group] : [])])).json.id
    }

    await must(['service', 'create', 'churn', '--owner', 'alice'])
    await must(['service', 'versions', 'add', 'churn', 'v1'])
    await must(['service', 'permissions', 'set', 'churn', '--group', 'devops', '--deploy'])
    await must(['service', 'create', 'weather'])
    await must(['service', 'permissions', 'set', 'weather', '--group', 'everyone', '--read'])
    await must(['infra', 'create', 'prod', '--stage', 'Production'])
    await must(['infra', 'permissions', 'set', 'prod', '--group', 'devops', '--deploy'])
    await must(['infra', 'permissions', 'set', 'prod', '--group', 'data-scientists', '--view'])
    await must(['deployment', 'create', '--service', 'churn', '--infra', 'prod'])
    token.bob = await must(['tokens', 'create', '-i', 'bob', '--role', 'Admin'])
    token.paula = await must(['tokens', 'create', '-i', 'paula', '--role', 'Admin'])
    // A global administrator's token that may read services and infrastructures, but not accounts.
    token.paulaNarrow = await must(['tokens', 'create', '-i', 'paula', '-f', 'get', '-r', 'services', '-r', 'infrastructures', '-a', '*'])
    adminKey = await must(['admin-key', 'create', '--label', 'ops'])
  })
  afterAll(() => dir.cleanup())

  it('who-can: the accounts, by name, one a line when piped; --json is the page with the needs and why', async () => {
    const piped = await run(['auth', 'who-can', 'deploy', 'service/churn', '--infra', 'prod'])
    expect(piped).toMatchObject({code: 0, stderr: ''})
    expect(piped.stdout).toBe(`${id.bob}\tbob\n${id.paula}\tpaula\n`)

    const document = await json<AuthWhoCanResult>(['auth', 'who-can', 'read', 'service/churn'])
    expect(document.code).toBe(0)
    expect(document.json).toEqual({
      action: 'read',
      target: 'service/churn',
      needs: [
        {
          kind: 'service',
          id: 'churn',
          privilege: 'read',
          owner: id.alice,
          ownerName: 'alice',
          groups: [
            {group: 'platform-admins', privileges: ['global admin']},
            {group: 'devops', privileges: ['deploy']},
          ],
        },
      ],
      items: [
        {id: id.alice, name: 'alice', via: [{kind: 'service', id: 'churn', privilege: 'read', through: ['owner of it']}]},
        {id: id.bob, name: 'bob', via: [{kind: 'service', id: 'churn', privilege: 'read', through: ['devops (deploy)']}]},
        {id: id.paula, name: 'paula', via: [{kind: 'service', id: 'churn', privilege: 'read', through: ['platform-admins (global admin)']}]},
      ],
      limit: 100,
      offset: 0,
      nextOffset: null,
    })

    // everyone: every account, whatever its groups.
    const everyone = await json<AuthWhoCanResult>(['auth', 'who-can', 'get', 'service/weather'])
    expect(everyone.json.items.map((item) => item.name)).toEqual(['alice', 'bob', 'carol', 'paula'])
    expect(everyone.json.items[2].via[0].through).toEqual(['everyone (read)'])
    const creators = await json<AuthWhoCanResult>(['auth', 'who-can', 'create', 'service'])
    expect(creators.json.items.map((item) => item.name)).toEqual(['alice', 'paula'])
    expect((await json<AuthWhoCanResult>(['auth', 'who-can', 'create', 'infra'])).json.items.map((item) => item.name)).toEqual(['paula'])
  })

  it('who-can pages like every list: --limit, --offset, nextOffset', async () => {
    const first = await json<AuthWhoCanResult>(['auth', 'who-can', 'read', 'service/weather', '--limit', '3'])
    expect(first.json).toMatchObject({limit: 3, offset: 0, nextOffset: 3})
    expect(first.json.items.map((item) => item.name)).toEqual(['alice', 'bob', 'carol'])
    const second = await json<AuthWhoCanResult>(['auth', 'who-can', 'read', 'service/weather', '--limit', '3', '--offset', '3'])
    expect(second.json).toMatchObject({limit: 3, offset: 3, nextOffset: null})
    expect(second.json.items.map((item) => item.name)).toEqual(['paula'])
  })

  it('who-can --explain: what is needed, which groups give it, and why each account holds each need', async () => {
    const explained = await run(['auth', 'who-can', 'read', 'deployment/churn-on-prod', '--explain'])
    expect(explained.code).toBe(0)
    expect(explained.stdout).toBe(
      [
        'who can read deployment/churn-on-prod:',
        `  needs read on service churn, given by owner alice (${id.alice}), platform-admins (global admin), devops (deploy)`,
        '  needs view on infrastructure prod, given by platform-admins (global admin), data-scientists (view), devops (deploy)',
        `${id.alice}\talice\tservice churn: owner of it; infrastructure prod: data-scientists (view)`,
        `${id.bob}\tbob\tservice churn: devops (deploy); infrastructure prod: devops (deploy)`,
        `${id.paula}\tpaula\tservice churn: platform-admins (global admin); infrastructure prod: platform-admins (global admin)`,
        '',
      ].join('\n'),
    )
    const one = await run(['auth', 'who-can', 'administer', 'infra/prod', '--explain'])
    expect(one.stdout).toBe(
      ['who can administer infra/prod:', '  needs admin on infrastructure prod, given by platform-admins (global admin)', `${id.paula}\tpaula\tplatform-admins (global admin)`, ''].join('\n'),
    )
  })

  it('who-can may be asked by the operator, an admin key or a global administrator; others get exit 3, audited', async () => {
    expect((await run(['auth', 'who-can', 'read', 'service/churn'], {env: {ACCESSCTL_ADMIN_KEY: adminKey}})).code).toBe(0)
    expect((await run(['auth', 'who-can', 'read', 'service/churn'], {env: {ACCESSCTL_TOKEN: token.paula}})).code).toBe(0)

    const audited = countRows(dir.storePath, 'audit_log')
    for (const [caller, target] of [
      [token.bob, 'service/churn'],
      [token.bob, 'service/does-not-exist'],
      [token.paulaNarrow, 'service/churn'],
    ]) {
      const denied = await json<ErrorJson>(['auth', 'who-can', 'read', target], {env: {ACCESSCTL_TOKEN: caller}})
      // A caller who may not ask cannot tell an object that exists from one that does not.
      expect(denied.code, target).toBe(3)
      expect(denied.json.error.code).toBe('denied')
    }

    const human = await run(['auth', 'who-can', 'read', 'service/churn'], {env: {ACCESSCTL_TOKEN: token.bob}})
    expect(human).toMatchObject({code: 3, stdout: ''})
    expect(human.stderr).toBe('Error: permission denied: auth.who-can needs a global administrator (a member of a group with --admin)\n')
    expect(countRows(dir.storePath, 'audit_log', "outcome = 'denied' AND action = 'auth.who-can'")).toBe(4)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audited + 4)
  })

  it('who-can: bad questions are exit 2, a missing object exit 4, and nothing is written', async () => {
    const audited = countRows(dir.storePath, 'audit_log')
    const usage: Array<[string[], RegExp]> = [
      [['fly', 'service/churn'], /'fly' is not an action/],
      [['read', 'pods/x'], /'pods\/x' is not a target/],
      [['read', 'service'], /read needs one object/],
      [['write', 'infra/prod'], /an infrastructure has no write privilege/],
      [['administer', 'deployment/churn-on-prod'], /a deployment has no permissions of its own/],
      [['read', 'service/churn', '--id', 'x'], /--id names the deployment that deploy would create/],
      [['read', `service/${'x'.repeat(200)}`], /is not a valid service id/],
      [['read'], /target/i],
      [['read', 'service/churn', '--limit', '0'], /limit/],
    ]
    for (const [args, message] of usage) {
      const result = await json<ErrorJson>(['auth', 'who-can', ...args], {env: {ACCESSCTL_TOKEN: token.bob}})
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.json.error.message, args.join(' ')).toMatch(message)
    }

    const missing = await run(['auth', 'who-can', 'deploy', 'service/churn', '--infra', 'nowhere'])
    expect(missing).toMatchObject({code: 4, stdout: '', stderr: "Error: no infrastructure with id 'nowhere'\n"})
    expect((await run(['auth', 'who-can', 'read', 'deployment/nothing'])).code).toBe(4)
    expectNoStackTrace(missing)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audited)
  })

  it('can-i --list: a table of kind, id, privileges and actions; --json adds create and the subject', async () => {
    const bob = await run(['auth', 'can-i', '--list', '--as', 'bob'])
    expect(bob).toMatchObject({code: 0, stderr: ''})
    expect(bob.stdout).toBe(
      [
        'service\tchurn\tread,deploy\tread,deploy',
        'service\tweather\tread\tread',
        'infrastructure\tprod\tview,deploy\tread,deploy',
        'deployment\tchurn-on-prod\tservice:read,service:deploy,infrastructure:view,infrastructure:deploy\tread,deploy',
        '',
      ].join('\n'),
    )

    const alice = await json<CanIList>(['auth', 'can-i', '--list', '--as', id.alice])
    expect(alice.json).toEqual({
      subject: {kind: 'account', accountId: id.alice, accountName: 'alice', viaToken: false},
      create: {service: true, infrastructure: false},
      items: [
        {kind: 'service', id: 'churn', privileges: ['read', 'write', 'deploy', 'admin'], actions: ['read', 'write', 'deploy', 'administer']},
        {kind: 'service', id: 'weather', privileges: ['read'], actions: ['read']},
        {kind: 'infrastructure', id: 'prod', privileges: ['view'], actions: ['read']},
        {
          kind: 'deployment',
          id: 'churn-on-prod',
          privileges: ['service:read', 'service:write', 'service:deploy', 'service:admin', 'infrastructure:view'],
          actions: ['read'],
        },
      ],
      limit: 100,
      offset: 0,
      nextOffset: null,
    })

    // carol sees only what everyone may: weather.
    expect((await run(['auth', 'can-i', '--list', '--as', 'carol'])).stdout).toBe('service\tweather\tread\tread\n')
    // The operator sees everything and may do everything; pages as every list.
    const operator = await json<CanIList>(['auth', 'can-i', '--list', '--limit', '2', '--offset', '1'])
    expect(operator.json).toMatchObject({subject: {kind: 'operator'}, create: {service: true, infrastructure: true}, limit: 2, offset: 1, nextOffset: 3})
    expect(operator.json.items.map((item) => `${item.kind}/${item.id}`)).toEqual(['service/weather', 'infrastructure/prod'])
  })

  it("can-i --list as a token: that token's view, its grants included", async () => {
    const bob = await json<CanIList>(['auth', 'can-i', '--list'], {env: {ACCESSCTL_TOKEN: token.bob}})
    expect(bob.json.subject).toEqual({kind: 'account', accountId: id.bob, accountName: 'bob', viaToken: true})
    expect(bob.json.items.map((item) => `${item.kind}/${item.id}:${item.actions.join(',')}`)).toEqual([
      'service/churn:read,deploy',
      'service/weather:read',
      'infrastructure/prod:read,deploy',
      'deployment/churn-on-prod:read,deploy',
    ])
    // A global administrator whose token may only get services and infrastructures: no deployments, nothing changed.
    const narrow = await json<CanIList>(['auth', 'can-i', '--list'], {env: {ACCESSCTL_TOKEN: token.paulaNarrow}})
    expect(narrow.json.create).toEqual({service: false, infrastructure: false})
    expect(narrow.json.items.map((item) => `${item.kind}/${item.id}:${item.actions.join(',')}`)).toEqual([
      'service/churn:read',
      'service/weather:read',
      'infrastructure/prod:read',
    ])
  })

  it('can-i --list --as needs the operator, an admin key or a global administrator; bad combinations are exit 2', async () => {
    expect((await run(['auth', 'can-i', '--list', '--as', 'carol'], {env: {ACCESSCTL_ADMIN_KEY: adminKey}})).code).toBe(0)
    expect((await run(['auth', 'can-i', '--list', '--as', 'carol'], {env: {ACCESSCTL_TOKEN: token.paula}})).code).toBe(0)
    const audited = countRows(dir.storePath, 'audit_log')
    const denied = await json<ErrorJson>(['auth', 'can-i', '--list', '--as', 'carol'], {env: {ACCESSCTL_TOKEN: token.bob}})
    expect(denied.code).toBe(3)
    expect(denied.json.error.message).toMatch(/auth.can-i needs a global administrator/)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audited + 1)
    expect((await json<ErrorJson>(['auth', 'can-i', '--list', '--as', 'nobody'])).code).toBe(4)

    const usage: Array<[string[], RegExp]> = [
      [['--list', 'read', 'service/churn'], /--list takes no ACTION or TARGET/],
      [['--list', 'read'], /--list takes no ACTION or TARGET/],
      [['--list', '--explain'], /--explain/],
      [['--list', '--infra', 'prod'], /--infra/],
      [['read', 'service/churn', '--limit', '5'], /--list/],
      [['--list', '--limit', '0'], /limit/],
      [[], /give ACTION and TARGET/],
    ]
    for (const [args, message] of usage) {
      const result = await json<ErrorJson>(['auth', 'can-i', ...args])
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.json.error.message, args.join(' ')).toMatch(message)
    }

    expect(countRows(dir.storePath, 'audit_log')).toBe(audited + 1)
  })
})
