import {createHash} from 'node:crypto'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {PlanJson} from '../../../src/cli/plan-output.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows, queryRows} from '../../helpers/store.js'

const DOCUMENT = `apiVersion: accessctl/v1
groups:
  - name: data-scientists
    mayCreateServices: true
  - name: devops
accounts:
  - name: alice@example.com
    id: 0123456789abcdef0123456789abcdef
    groups: [data-scientists]
  - name: dave@example.com
    groups: [devops]
services:
  - id: churn
    owner: alice@example.com
    versions: [v1, v2]
    permissions: {devops: [deploy]}
  - id: weather
    permissions:
      everyone: [read]
---
apiVersion: accessctl/v1
infrastructures:
  - id: dev
    stage: Development
    permissions: {data-scientists: [deploy], devops: [deploy]}
  - id: prod
    stage: Production
    permissions: {data-scientists: [view], devops: [deploy]}
deployments:
  - service: churn
    infrastructure: dev
    version: v2
  - id: churn-prod
    service: churn
    infrastructure: prod
    version: v1
    auth: api-keys
    enabled: false
`

/** Everything a second apply must leave as it was: the file's bytes and the audit trail. */
function fingerprint(storePath: string): {hash: string; mtime: number; audit: number} {
  return {
    hash: createHash('sha256').update(readFileSync(storePath)).digest('hex'),
    mtime: statSync(storePath).mtimeMs,
    audit: countRows(storePath, 'audit_log'),
  }
}

describe('apply, diff and export', () => {
  let dir: TempDir
  let file: string
  const run = (args: string[], input?: string) => runCli(args, {store: dir.storePath, input})
  const json = <T>(args: string[], input?: string) => runJson<T>(args, {store: dir.storePath, input})

  beforeEach(() => {
    dir = tempDir()
    file = join(dir.path, 'access.yaml')
    writeFileSync(file, DOCUMENT)
  })
  afterEach(() => dir.cleanup())

  it('applies a document in one go, audited like the commands, and a second apply writes nothing', async () => {
    const first = await run(['apply', '-f', file])
    expect(first.code).toBe(0)
    expect(first.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        '+ create group data-scientists (admin: false, mayCreateServices: true)',
        '+ create account alice@example.com (id: 0123456789abcdef0123456789abcdef, groups: [data-scientists])',
        '+ create service churn (public: true, owner: alice@example.com)',
        '+ create deployment churn-prod (service: churn, infrastructure: prod, version: v1, auth: api-keys, enabled: false)',
      ]),
    )
    expect(first.stdout).toMatch(/^applied: 18 to create, 0 to change, 0 to remove$/m)
    expect(queryRows(dir.storePath, 'SELECT id, name FROM accounts WHERE id = ?', '0123456789abcdef0123456789abcdef')).toHaveLength(1)
    expect(queryRows(dir.storePath, 'SELECT owner_account_id AS owner FROM services WHERE id = ?', 'churn')).toEqual([{owner: '0123456789abcdef0123456789abcdef'}])
    expect(queryRows(dir.storePath, 'SELECT version, auth_mode, enabled FROM deployments ORDER BY id')).toEqual([
      {version: 'v2', auth_mode: 'inherit', enabled: 1},
      {version: 'v1', auth_mode: 'api-keys', enabled: 0},
    ])
    const actions = queryRows<{action: string}>(dir.storePath, 'SELECT action FROM audit_log ORDER BY id').map((row) => row.action)
    expect(actions.slice(0, 5)).toEqual(['groups.create', 'groups.create', 'accounts.create', 'accounts.create', 'service.create'])
    expect(actions).toContain('deployment.auth.set')
    expect(actions).toContain('deployment.disable')

    const before = fingerprint(dir.storePath)
    const second = await json<PlanJson>(['apply', '-f', file])
    expect(second.code).toBe(0)
    expect(second.json).toEqual({changes: [], summary: {create: 0, change: 0, remove: 0}, applied: false})
    expect(fingerprint(dir.storePath)).toEqual(before)
    const human = await run(['apply', '-f', file])
    expect(human.stdout).toBe('no changes: the store already matches the document\n')
    expect(fingerprint(dir.storePath)).toEqual(before)
  })

  it('export, apply to an empty store, export again: the same text; and applying an export to its store changes nothing', async () => {
    expect((await run(['apply', '-f', file])).code).toBe(0)
    const exported = await run(['export'])
    expect(exported.code).toBe(0)
    expect(exported.stdout).toMatch(/^# yaml-language-server: \$schema=/)
    const exportFile = join(dir.path, 'export.yaml')
    writeFileSync(exportFile, exported.stdout)

    const before = fingerprint(dir.storePath)
    const same = await run(['apply', '-f', exportFile])
    expect(same.stdout).toBe('no changes: the store already matches the document\n')
    expect(fingerprint(dir.storePath)).toEqual(before)

    const other = join(dir.path, 'other.db')
    expect((await runCli(['apply', '-f', exportFile], {store: other})).code).toBe(0)
    const again = await runCli(['export'], {store: other})
    expect(again.stdout).toBe(exported.stdout)
    const asJson = await runJson<Record<string, unknown>>(['export'], {store: other})
    expect(Object.keys(asJson.json)).toEqual(['apiVersion', 'groups', 'accounts', 'services', 'infrastructures', 'deployments'])
  })

  it('exports only the kinds asked for', async () => {
    expect((await run(['apply', '-f', file])).code).toBe(0)
    const only = await json<Record<string, Array<{id: string}>>>(['export', '--kind', 'services', '--kind', 'deployments'])
    expect(Object.keys(only.json)).toEqual(['apiVersion', 'services', 'deployments'])
    expect(only.json.services.map((s) => s.id)).toEqual(['churn', 'weather'])
    expect((await run(['export', '--kind', 'tokens'])).code).toBe(2)
  })

  it('changes what differs with old and new values, and --dry-run changes nothing', async () => {
    expect((await run(['apply', '-f', file])).code).toBe(0)
    const changed = DOCUMENT.replace('  - name: devops\n', '  - name: devops\n    admin: true\n')
      .replace('permissions: {devops: [deploy]}', 'permissions: {devops: [deploy, write]}')
      .replace('    stage: Production', '    stage: Test')
      .replace('versions: [v1, v2]', 'versions: [v1, v2, v3]')
    writeFileSync(file, changed)
    const before = fingerprint(dir.storePath)
    const dry = await run(['apply', '-f', file, '--dry-run'])
    expect(dry.code).toBe(0)
    expect(dry.stdout.split('\n')).toEqual([
      '~ change group devops: admin false -> true',
      '+ create service version churn/v3',
      '~ change service permission churn/devops: privileges [deploy] -> [write, deploy]',
      '~ change infrastructure prod: stage Production -> Test',
      'dry run, nothing changed: 1 to create, 3 to change, 0 to remove',
      '',
    ])
    expect(fingerprint(dir.storePath).audit).toBe(before.audit)
    expect(countRows(dir.storePath, 'service_versions')).toBe(2)

    const diff = await json<PlanJson>(['diff', '-f', file])
    expect(diff.code).toBe(10)
    expect(diff.json.summary).toEqual({create: 1, change: 3, remove: 0})
    expect(diff.json.changes[0]).toEqual({op: 'change', kind: 'group', target: 'devops', fields: [{field: 'admin', from: false, to: true}]})

    const applied = await run(['apply', '-f', file])
    expect(applied.code).toBe(0)
    expect(countRows(dir.storePath, 'groups', 'name = ? AND is_admin = 1', 'devops')).toBe(1)
    expect(countRows(dir.storePath, 'service_permissions', 'can_write = 1')).toBe(1)
    const clean = await run(['diff', '-f', file])
    expect(clean.code).toBe(0)
    expect(clean.stdout).toBe('no changes: the store matches the document\n')
  })

  it('removes list items the document leaves out, but other objects only with --prune and --yes', async () => {
    expect((await run(['apply', '-f', file])).code).toBe(0)
    expect((await run(['groups', 'create', 'stray'])).code).toBe(0)
    const smaller = `apiVersion: accessctl/v1
groups:
  - name: data-scientists
  - name: devops
services:
  - id: churn
    permissions: {}
`
    writeFileSync(file, smaller)
    const plain = await run(['apply', '-f', file])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toBe('- remove service permission churn/devops\napplied: 0 to create, 0 to change, 1 to remove\n')
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'stray')).toBe(1)

    const before = fingerprint(dir.storePath)
    const unconfirmed = await json<ErrorJson>(['apply', '-f', file, '--prune'])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.json.error.message).toMatch(/Remove 2 objects that the document does not name: confirmation needed/)
    expect(fingerprint(dir.storePath)).toEqual(before)

    const pending = await run(['diff', '-f', file, '--prune'])
    expect(pending.code).toBe(10)
    expect(pending.stdout).toBe('- remove service weather\n- remove group stray\npending: 0 to create, 0 to change, 2 to remove\n')

    const pruned = await run(['apply', '-f', file, '--prune', '--yes'])
    expect(pruned.code).toBe(0)
    expect(pruned.stdout).toContain('- remove group stray\n')
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'stray')).toBe(0)
    expect(countRows(dir.storePath, 'services', 'id = ?', 'weather')).toBe(0)
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'everyone')).toBe(1)
    // Kinds the document does not name are never pruned.
    expect(countRows(dir.storePath, 'accounts')).toBe(2)
    expect(countRows(dir.storePath, 'infrastructures')).toBe(2)
  })

  it('gives an existing service to an account (the operator may, as service create --owner)', async () => {
    expect((await run(['apply', '-f', file])).code).toBe(0)
    const result = await run(['apply', '-f', '-'], 'apiVersion: accessctl/v1\nservices:\n  - id: weather\n    owner: dave@example.com\n')
    expect(result.stdout).toBe('~ change service weather: owner none -> dave@example.com\napplied: 0 to create, 1 to change, 0 to remove\n')
    const dave = queryRows<{id: string}>(dir.storePath, 'SELECT id FROM accounts WHERE name = ?', 'dave@example.com')[0].id
    expect(queryRows(dir.storePath, 'SELECT owner_account_id AS owner FROM services WHERE id = ?', 'weather')).toEqual([{owner: dave}])
    expect(queryRows(dir.storePath, 'SELECT action, target FROM audit_log ORDER BY id DESC LIMIT 1')).toEqual([{action: 'service.update', target: 'service:weather'}])
  })

  it('reads a heredoc on stdin', async () => {
    const result = await run(['apply', '-f', '-'], 'apiVersion: accessctl/v1\ngroups:\n  - name: from-stdin\n')
    expect(result.code).toBe(0)
    expect(result.stdout).toBe('+ create group from-stdin (admin: false, mayCreateServices: false)\napplied: 1 to create, 0 to change, 0 to remove\n')
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'from-stdin')).toBe(1)
  })

  it('refuses what no command allows: a rename, a deployment that moves, a deleted version still deployed (exit 5)', async () => {
    expect((await run(['apply', '-f', file])).code).toBe(0)
    const before = fingerprint(dir.storePath)
    const renamed = await json<ErrorJson>(['apply', '-f', '-'], 'apiVersion: accessctl/v1\naccounts:\n  - name: alicia\n    id: 0123456789abcdef0123456789abcdef\n')
    expect(renamed.code).toBe(2)
    expect(renamed.json.error.message).toBe("line 3 of stdin: account 0123456789abcdef0123456789abcdef is named 'alice@example.com' in the store; an account cannot be renamed")
    const versionInUse = await json<ErrorJson>(['apply', '-f', '-'], 'apiVersion: accessctl/v1\nservices:\n  - id: churn\n    versions: [v2]\n')
    expect(versionInUse.code).toBe(5)
    expect(versionInUse.json.error.message).toMatch(/^nothing was applied: 1 change was refused\n {2}line 3 of stdin: remove service-version churn\/v1: version 'v1' of service 'churn' is deployed/)
    expect(fingerprint(dir.storePath).audit).toBe(before.audit)
    expectNoStackTrace(versionInUse)
  })
})
