import {existsSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ReviewResult} from '../../src/commands/review.js'
import {type CliResult, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {parseMarkdown, tableRecords} from '../helpers/markdown.js'
import {countRows, queryRows} from '../helpers/store.js'

/**
 * `accessctl review` against a store built with the real CLI holding every kind of finding, and as many things that
 * look like one but are not: short-lived or revoked Admin tokens, an admin key with a ttl, a fresh key, a Production
 * deployment that needs a key, a public one on Development. The keys older than 90 days are made under libfaketime.
 */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'
const HUNDRED_DAYS_AGO = {LD_PRELOAD: LIBFAKETIME, FAKETIME: '-100d', FAKETIME_DONT_FAKE_MONOTONIC: '1'}

// Names that would be markup, a cell, a link or HTML if they were written into Markdown as they are.
const HOSTILE = 'dave | `rm` *b* __u__ <b>x</b> [l](http://e.vil) www.evil.com'
const HOSTILE_LABEL = 'two\nlines | ``x`` <script>alert(1)</script> ~~s~~'

describe('accessctl review', () => {
  let dir: TempDir
  let adminKey: string
  let aliceToken: string
  let daveToken: string
  let longAdminJti: string
  let lastingKeyId: string
  let oldServiceKeyId: string
  let oldDeploymentKeyId: string
  let aliceId: string
  let daveId: string

  const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, {store: dir.storePath, env})
  async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
    const result = await run(args, env)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout.trim()
  }

  beforeAll(async () => {
    expect(existsSync(LIBFAKETIME), 'libfaketime (apt-get install faketime)').toBe(true)
    dir = tempDir()
    await ok(['groups', 'create', 'platform-admins', '--admin'])
    await ok(['groups', 'create', 'devops'])
    await ok(['groups', 'create', 'creators', '--may-create-services'])
    aliceId = JSON.parse(await ok(['accounts', 'create', '-n', 'alice@example.com', '-g', 'platform-admins', '--json'])).id
    daveId = JSON.parse(await ok(['accounts', 'create', '-n', HOSTILE, '-g', 'devops', '-g', 'creators', '--json'])).id
    await ok(['accounts', 'create', '-n', 'erin@example.com', '-g', 'devops'])

    await ok(['service', 'create', 'churn', '--owner', 'alice@example.com'])
    await ok(['service', 'permissions', 'set', 'churn', '--group', 'devops', '--deploy'])
    await ok(['service', 'permissions', 'set', 'churn', '--group', 'everyone', '--read'])
    await ok(['service', 'create', 'vault', '--no-public'])
    await ok(['service', 'permissions', 'set', 'vault', '--group', 'devops', '--admin'])
    for (const service of ['churn', 'vault']) await ok(['service', 'versions', 'add', service, 'v1'])
    await ok(['infra', 'create', 'prod', '--stage', 'Production'])
    await ok(['infra', 'create', 'dev', '--stage', 'Development'])
    await ok(['infra', 'permissions', 'set', 'prod', '--group', 'devops', '--deploy'])
    await ok(['infra', 'permissions', 'set', 'dev', '--group', 'everyone', '--view'])
    await ok(['deployment', 'create', '--service', 'churn', '--infra', 'prod'])                    // inherit, public service: a finding
    await ok(['deployment', 'create', '--service', 'vault', '--infra', 'prod'])                    // inherit, keyed service: none
    await ok(['deployment', 'create', '--service', 'vault', '--infra', 'prod', '--id', 'vault-open'])
    await ok(['deployment', 'auth', 'set', 'vault-open', '--mode', 'public'])                   // public mode: a finding
    await ok(['deployment', 'create', '--service', 'vault', '--infra', 'dev'])
    await ok(['deployment', 'auth', 'set', 'vault-on-dev', '--mode', 'public'])                 // public, but Development

    adminKey = await ok(['admin-key', 'create', '--label', HOSTILE_LABEL])
    lastingKeyId = (await queryRows<{id: string}>(dir.storePath, 'SELECT id FROM admin_keys'))[0].id
    await ok(['admin-key', 'create', '--label', 'ci', '--ttl', '30d'])

    oldServiceKeyId = JSON.parse(await ok(['service', 'keys', 'create', 'churn', '--label', 'billing', '--json'], HUNDRED_DAYS_AGO)).id
    oldDeploymentKeyId = JSON.parse(await ok(['deployment', 'keys', 'create', 'vault-on-prod', '--label', HOSTILE_LABEL, '--json'], HUNDRED_DAYS_AGO)).id
    await ok(['service', 'keys', 'create', 'churn', '--label', 'fresh'])

    longAdminJti = JSON.parse(await ok(['tokens', 'create', '-i', 'alice@example.com', '--role', 'Admin', '--ttl', '2d', '--json'])).jti
    await ok(['tokens', 'create', '-i', 'alice@example.com', '--role', 'Admin', '--ttl', '12h'])
    await ok(['tokens', 'create', '-i', 'alice@example.com', '--role', 'AuditDeveloper', '--ttl', '90d'])
    const revoked = JSON.parse(await ok(['tokens', 'create', '-i', 'alice@example.com', '--role', 'Admin', '--ttl', '3d', '--json'])).jti
    await ok(['tokens', 'revoke', revoked, '--yes'])
    aliceToken = await ok(['tokens', 'create', '-t', 'ephemeral', '-i', 'alice@example.com', '--role', 'AuditDeveloper'])
    daveToken = await ok(['tokens', 'create', '-t', 'ephemeral', '-i', daveId, '--role', 'Admin'])
  }, 120_000)
  afterAll(() => dir.cleanup())

  it('--json: one document with every part, and exactly the findings there are', async () => {
    const {code, json} = await runJson<ReviewResult>(['review'], {store: dir.storePath})
    expect(code).toBe(0)
    expect(Object.keys(json)).toEqual([
      'generatedAt', 'globalAdministrators', 'serviceCreators', 'groups', 'services', 'infrastructures', 'productionDeployers', 'findings',
    ])
    expect(json.findings.map((f) => [f.kind, f.object.type, f.object.id])).toEqual([
      ['long-lived-admin-token', 'token', longAdminJti],
      ['admin-key-never-expires', 'admin-key', lastingKeyId],
      ['old-query-key', 'service-key', oldServiceKeyId],
      ['old-query-key', 'deployment-key', oldDeploymentKeyId],
      ['public-production-deployment', 'deployment', 'churn-on-prod'],
      ['public-production-deployment', 'deployment', 'vault-open'],
    ])
    const [token, key, serviceKey, deploymentKey, inherited, publicMode] = json.findings
    expect(token.account).toEqual({id: aliceId, name: 'alice@example.com'})
    expect(token.reason).toMatch(/^Admin-role token living 2 days \(until .*\), over 24 hours/)
    expect(key.label).toBe(HOSTILE_LABEL)
    expect(serviceKey.parent).toEqual({type: 'service', id: 'churn'})
    expect(serviceKey.reason).toMatch(/^query key 100 days old/)
    expect(deploymentKey.parent).toEqual({type: 'deployment', id: 'vault-on-prod'})
    expect(inherited.reason).toContain('inherit mode on public service churn')
    expect(publicMode.parent).toEqual({type: 'infrastructure', id: 'prod'})
    expect(publicMode.reason).toContain('in public mode on Production infrastructure prod')
    // No secret anywhere in the document.
    expect(JSON.stringify(json)).not.toMatch(/acak_|acsk_|acdk_|eyJ/)

    expect(json.globalAdministrators).toEqual({
      via: [{group: 'platform-admins', globalAdmin: true}],
      everyone: false,
      accountCount: 1,
      accounts: [{id: aliceId, name: 'alice@example.com', via: [{group: 'platform-admins', globalAdmin: true}]}],
    })
    expect(json.serviceCreators.accounts).toEqual([{id: daveId, name: HOSTILE, via: [{group: 'creators', globalAdmin: false}]}])
    const churn = json.services.find((s) => s.id === 'churn')!
    expect(churn).toEqual({
      id: 'churn',
      public: true,
      owner: {id: aliceId, name: 'alice@example.com'},
      privileges: {read: ['devops', 'everyone'], write: [], deploy: ['devops'], admin: []},
    })
    expect(json.services.find((s) => s.id === 'vault')!.privileges).toEqual({read: ['devops'], write: ['devops'], deploy: ['devops'], admin: ['devops']})
    expect(json.infrastructures.map((i) => [i.id, i.stage, i.privileges.deploy])).toEqual([
      ['dev', 'Development', []],
      ['prod', 'Production', ['devops']],
    ])
    expect(json.productionDeployers).toEqual([
      {
        infrastructure: 'prod',
        via: [{group: 'platform-admins', globalAdmin: true}, {group: 'devops', globalAdmin: false}],
        everyone: false,
        accountCount: 3,
        accounts: [
          {id: aliceId, name: 'alice@example.com', via: [{group: 'platform-admins', globalAdmin: true}]},
          {id: daveId, name: HOSTILE, via: [{group: 'devops', globalAdmin: false}]},
          expect.objectContaining({name: 'erin@example.com', via: [{group: 'devops', globalAdmin: false}]}),
        ],
      },
    ])
    expect(json.groups.map((g) => [g.name, g.memberCount, g.members.map((m) => m.name)])).toEqual([
      ['creators', 1, [HOSTILE]],
      ['devops', 2, [HOSTILE, 'erin@example.com']],
      ['everyone', null, []],
      ['platform-admins', 1, ['alice@example.com']],
    ])
  })

  it('prints one table per section; piped, tab-separated rows with stored text escaped', async () => {
    const {code, stdout} = await run(['review'])
    expect(code).toBe(0)
    const lines = stdout.split('\n')
    expect(lines[0]).toBe('== What to look at (6)')
    expect(lines).toContain(`admin-key-never-expires\tadmin-key ${lastingKeyId}\t-\t-\ttwo\\x0alines | \`\`x\`\` <script>alert(1)</script> ~~s~~\tadmin key with full rights that never expires (created ${
      (await queryRows<{created_at: string}>(dir.storePath, 'SELECT created_at FROM admin_keys WHERE id = ?', lastingKeyId))[0].created_at
    }): keep one for break-glass, give the others a --ttl`)
    expect(lines).toContain(`prod\t${HOSTILE}\t${daveId}\tdevops`)
    expect(lines).toContain('prod\tProduction\t-\tdevops\tdevops\t')
    expect(lines).toContain(`churn\tyes\t${aliceId}\tdevops, everyone\t\tdevops\t`)
    for (const title of ['== Global administrators', '== May create services', '== Who may deploy to Production', '== Services', '== Infrastructures', '== Groups']) {
      expect(lines).toContain(title)
    }
  })

  it('--format markdown: headings and pipe tables that GitHub reads back cell by cell, hostile names as plain text', async () => {
    const {code, stdout} = await run(['review', '--format', 'markdown'])
    expect(code).toBe(0)
    const tree = parseMarkdown(stdout)
    expect(tree.headings.map((h) => h.text)).toEqual([
      'Access review', 'What to look at', 'Global administrators', 'May create services', 'Who may deploy to Production', 'Services', 'Infrastructures', 'Groups',
    ])
    // Nothing a name or a label holds became markup: no link, emphasis, HTML, strikethrough; only text and code spans.
    expect(tree.nodeKinds.filter((kind) => !['document', 'heading', 'paragraph', 'table', 'table_header', 'table_row', 'table_cell', 'text', 'code'].includes(kind))).toEqual([])
    const [findings, admins, creators, production, services, infrastructures, groups] = tree.tables.map(tableRecords)
    expect(findings.map((row) => [row.finding.text, row.object.text])).toEqual([
      ['long-lived-admin-token', `token ${longAdminJti}`],
      ['admin-key-never-expires', `admin-key ${lastingKeyId}`],
      ['old-query-key', `service-key ${oldServiceKeyId}`],
      ['old-query-key', `deployment-key ${oldDeploymentKeyId}`],
      ['public-production-deployment', 'deployment churn-on-prod'],
      ['public-production-deployment', 'deployment vault-open'],
    ])
    expect(findings[1].label.text).toBe(HOSTILE_LABEL.replace('\n', '\\x0a'))
    expect(findings[3]).toMatchObject({in: {text: 'deployment vault-on-prod'}, label: {text: HOSTILE_LABEL.replace('\n', '\\x0a')}})
    expect(findings[0].account.text).toBe('alice@example.com')
    expect(findings[0].why.text).toMatch(/^Admin-role token living 2 days \(until .*\), over 24 hours: prefer ephemeral tokens of an hour$/)
    expect(admins.map((row) => [row.account.text, row.id.text, row.through.text])).toEqual([['alice@example.com', aliceId, 'platform-admins (global admin)']])
    expect(creators.map((row) => [row.account.text, row.through.text])).toEqual([[HOSTILE, 'creators']])
    expect(production.map((row) => [row.infrastructure.text, row.account.text, row.through.text])).toEqual([
      ['prod', 'alice@example.com', 'platform-admins (global admin)'],
      ['prod', HOSTILE, 'devops'],
      ['prod', 'erin@example.com', 'devops'],
    ])
    expect(services.map((row) => [row.service.text, row.public.text, row.owner.text, row.read.text, row.deploy.text, row.admin.text])).toEqual([
      ['churn', 'yes', 'alice@example.com', 'devops, everyone', 'devops', ''],
      ['vault', 'no', '-', 'devops', 'devops', 'devops'],
    ])
    expect(infrastructures.map((row) => [row.infrastructure.text, row.stage.text, row.view.text])).toEqual([
      ['dev', 'Development', 'everyone'],
      ['prod', 'Production', 'devops'],
    ])
    expect(groups.find((row) => row.group.text === 'devops')).toMatchObject({members: {text: '2'}, 'member list': {text: `${HOSTILE}, erin@example.com`}})
    expect(groups.find((row) => row.group.text === 'everyone')).toMatchObject({members: {text: 'every account'}})
  })

  it('is for global administrators: the operator, an admin key, a global admin\'s token; others are refused and audited', async () => {
    const operator = await runJson<ReviewResult>(['review'], {store: dir.storePath})
    const withKey = await runJson<ReviewResult>(['review'], {store: dir.storePath, env: {ACCESSCTL_ADMIN_KEY: adminKey}})
    const withToken = await runJson<ReviewResult>(['review'], {store: dir.storePath, env: {ACCESSCTL_TOKEN: aliceToken}})
    for (const result of [operator, withKey, withToken]) {
      expect(result.code, result.stdout).toBe(0)
      expect(result.json.findings).toHaveLength(6)
    }

    const audited = countRows(dir.storePath, 'audit_log')
    const refused = await run(['review'], {ACCESSCTL_TOKEN: daveToken})
    expect(refused.code).toBe(3)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/^Error: permission denied: review needs a global administrator/)
    const refusedJson = await runJson<{error: {code: string; exitCode: number}}>(['review', '--format', 'markdown'], {store: dir.storePath, env: {ACCESSCTL_TOKEN: daveToken}})
    expect(refusedJson.code).toBe(2)
    const denials = queryRows<{actor: string; action: string; outcome: string}>(dir.storePath, 'SELECT actor, action, outcome FROM audit_log WHERE id > ? ORDER BY id', audited)
    expect(denials).toEqual([{actor: expect.stringMatching(new RegExp(`^account:${daveId}/token:`)), action: 'review', outcome: 'denied'}])
  })

  it('bad input is exit 2 and writes nothing; a missing store is exit 6 and creates none', async () => {
    const before = countRows(dir.storePath, 'audit_log')
    for (const [args, message] of [
      [['review', '--format', 'html'], /^Error: --format takes one of: table, markdown; got 'html'/],
      [['review', 'extra'], /^Error: unexpected argument for 'review': 'extra'/],
      [['review', '--limit', '5'], /^Error: unknown flag: '--limit'/],
    ] as const) {
      const result = await run([...args])
      expect(result.code, result.stderr).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(message)
    }

    const both = await runJson<{error: {code: string; exitCode: number; message: string}}>(['review', '--format', 'markdown'], {store: dir.storePath})
    expect(both.code).toBe(2)
    expect(both.json.error).toMatchObject({code: 'invalid_input', exitCode: 2})
    expect(both.json.error.message).toContain('--json')
    expect(countRows(dir.storePath, 'audit_log')).toBe(before)

    const nowhere = `${dir.path}/nowhere/store.db`
    const missing = await runCli(['review'], {store: nowhere})
    expect(missing.code).toBe(6)
    expect(missing.stderr).toMatch(/^Error: no store at /)
    expect(existsSync(`${dir.path}/nowhere`)).toBe(false)
  })
})
