import {existsSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows, queryRows} from '../../helpers/store.js'

/**
 * `accessctl __complete SHELL -- WORDS... CURRENT`, the hidden command the completion scripts ask, on the real CLI:
 * what it offers each caller, and that it never prints an error, never writes the store and never creates one.
 */

let dir: TempDir
let bobToken: string
let adminKey: string
// The store is ACCESSCTL_STORE's, unless a test names another (or none) there.
const complete = (shell: string, words: string[], env: Record<string, string | undefined> = {}) =>
  runCli(['__complete', shell, '--', ...words], {env: {ACCESSCTL_STORE: dir.storePath, ...env}})

/** The candidates printed, after the directive line. */
const candidates = (stdout: string) => stdout.split('\n').slice(1).filter((line) => line !== '')

beforeAll(async () => {
  dir = tempDir()
  const applied = await runCli(['apply', '-f', '-'], {
    store: dir.storePath,
    input: `apiVersion: accessctl/v1
groups:
  - name: devops
  - name: ops-admins
    admin: true
accounts:
  - name: alice@example.com
    groups: [ops-admins]
  - name: bob@example.com
    groups: [devops]
infrastructures:
  - id: prod-us
    stage: Production
    permissions: {devops: [deploy]}
  - id: qa
    stage: Test
services:
  - id: churn
    versions: [v1]
    permissions: {devops: [deploy]}
  - id: chat
    versions: [v1]
deployments:
  - {service: churn, infrastructure: prod-us, version: v1}
  - {service: chat, infrastructure: qa, version: v1}
`,
  })
  expect(applied.code, applied.stderr).toBe(0)
  bobToken = (await runJson<{token: string}>(['tokens', 'create', '-i', 'bob@example.com', '--role', 'Admin'], {store: dir.storePath})).json.token
  adminKey = (await runCli(['admin-key', 'create', '--label', 'completion'], {store: dir.storePath})).stdout.trim()
})
afterAll(() => dir.cleanup())

describe('__complete', () => {
  it('offers commands, subcommands, flags and fixed values from the command tree', async () => {
    expect((await complete('bash', ['se'])).stdout).toBe(':words\nserve\nservice\n')
    expect(candidates((await complete('bash', ['service', 'perm'])).stdout)).toEqual(['permissions'])
    expect(candidates((await complete('bash', ['infra', 'create', 'x', '--st'])).stdout).sort()).toEqual(['--stage', '--store'])
    expect(candidates((await complete('bash', ['infra', 'create', 'x', '--stage', 'P'])).stdout)).toEqual(['Production'])
    // In any case when nothing matches with its case; bash's `--stage=P` arrives as --stage, =, P.
    expect(candidates((await complete('bash', ['infra', 'update', 'qa', '--stage', 'prod'])).stdout)).toEqual(['Production'])
    expect(candidates((await complete('bash', ['infra', 'create', 'x', '--stage', '=', 'T'])).stdout)).toEqual(['Test'])
    // zsh keeps --stage=T as one word: the candidates keep the flag.
    expect(candidates((await complete('zsh', ['infra', 'create', 'x', '--stage=T'])).stdout)).toEqual(['--stage=Test'])
    expect(candidates((await complete('bash', ['deployment', 'auth', 'set', 'd', '-m', ''])).stdout)).toEqual(['inherit', 'public', 'api-keys'])
    expect(candidates((await complete('bash', ['tokens', 'create', '-t', ''])).stdout)).toEqual(['account', 'ephemeral'])
    expect(candidates((await complete('bash', ['tokens', 'create', '--role', ''])).stdout)).toEqual(['Admin', 'AuditDeveloper'])
    expect(candidates((await complete('bash', ['tokens', 'create', '-f', 'con'])).stdout)).toEqual(['consume'])
    expect(candidates((await complete('bash', ['tokens', 'create', '-r', 'data'])).stdout)).toEqual(['datasets', 'datasources'])
    // Hidden commands are never offered.
    expect((await complete('bash', ['__'])).stdout).toBe(':words\n')
  })

  it('asks the shell for file names where a file goes', async () => {
    for (const words of [['apply', '-f', ''], ['diff', '--file', 'x'], ['tokens', 'create', '-c', ''], ['accounts', 'import', ''], ['store', 'backup', '']]) {
      expect((await complete('bash', words)).stdout, words.join(' ')).toBe(':files\n')
    }
  })

  it('offers the operator every name, with descriptions for zsh only', async () => {
    expect(candidates((await complete('bash', ['service', 'get', ''])).stdout)).toEqual(['chat', 'churn'])
    expect(candidates((await complete('bash', ['deployment', 'create', '--infra', ''])).stdout)).toEqual(['prod-us', 'qa'])
    expect(candidates((await complete('zsh', ['deployment', 'create', '--infra', ''])).stdout)).toEqual(['prod-us\tProduction', 'qa\tTest'])
    expect(candidates((await complete('zsh', ['deployment', 'get', 'ch'])).stdout)).toEqual(['chat-on-qa\tchat on qa', 'churn-on-prod-us\tchurn on prod-us'])
    expect(candidates((await complete('bash', ['groups', 'add-member', 'devops', '-i', ''])).stdout)).toEqual(['alice@example.com', 'bob@example.com'])
    expect(candidates((await complete('bash', ['groups', 'get', ''])).stdout)).toEqual(['devops', 'everyone', 'ops-admins'])
    // Account ids once one is being typed, each described by its name in zsh.
    const [bob] = queryRows<{id: string}>(dir.storePath, "SELECT id FROM accounts WHERE name = 'bob@example.com'")
    expect(candidates((await complete('zsh', ['accounts', 'get', '-i', bob.id.slice(0, 6)])).stdout)).toContain(`${bob.id}\tbob@example.com`)
    // A new object's name is not completed.
    expect(candidates((await complete('bash', ['service', 'create', ''])).stdout)).toEqual([])
  })

  it('offers an admin key every name, and a token only what its account may see', async () => {
    expect(candidates((await complete('bash', ['service', 'get', ''], {ACCESSCTL_ADMIN_KEY: adminKey})).stdout)).toEqual(['chat', 'churn'])
    const asBob = {ACCESSCTL_TOKEN: bobToken}
    expect(candidates((await complete('bash', ['service', 'get', ''], asBob)).stdout)).toEqual(['churn'])
    expect(candidates((await complete('bash', ['deployment', 'create', '-I', ''], asBob)).stdout)).toEqual(['prod-us'])
    expect(candidates((await complete('bash', ['deployment', 'get', ''], asBob)).stdout)).toEqual(['churn-on-prod-us'])
    // Groups and other accounts are listed to global administrators only: bob gets his own account, and no group.
    expect(candidates((await complete('bash', ['groups', 'get', ''], asBob)).stdout)).toEqual([])
    expect(candidates((await complete('bash', ['tokens', 'list', '-i', ''], asBob)).stdout)).toEqual(['bob@example.com'])
    // The credential and store typed on the line count as they would when it runs.
    const typed = await complete('bash', ['service', 'get', '--store', dir.storePath, '--token', bobToken, ''], {ACCESSCTL_STORE: undefined})
    expect(candidates(typed.stdout)).toEqual(['churn'])
  })

  it('prints no error and writes nothing: a bad credential, a missing store, a bad shell', async () => {
    const before = {audit: countRows(dir.storePath, 'audit_log'), size: statSync(dir.storePath).size}
    const missing = join(dir.path, 'none', 'store.db')
    const cases: Array<[string, string[], Record<string, string | undefined>]> = [
      ['bash', ['service', 'get', ''], {ACCESSCTL_TOKEN: 'not-a-token'}],
      ['bash', ['service', 'get', ''], {ACCESSCTL_TOKEN: ''}],
      ['bash', ['service', 'get', '--admin-key', 'wrong', ''], {}],
      ['bash', ['service', 'get', ''], {ACCESSCTL_STORE: missing}],
      ['bash', ['service', 'get', '--store', missing, ''], {}],
      ['bash', ['service', 'get', ''], {ACCESSCTL_STORE: undefined, HOME: dir.path, XDG_DATA_HOME: undefined}],
      ['fish', ['service', 'get', ''], {}],
      ['bash', ['nonexistent', ''], {}],
    ]
    for (const [shell, words, env] of cases) {
      const result = await complete(shell, words, env)
      expect({code: result.code, stderr: result.stderr, stdout: result.stdout}, `${shell} ${words.join(' ')}`).toEqual({code: 0, stderr: '', stdout: ':words\n'})
    }

    expect(existsSync(join(dir.path, 'none'))).toBe(false)
    // The default store under HOME was not made either.
    expect(existsSync(join(dir.path, '.local'))).toBe(false)
    await complete('bash', ['service', 'get', ''], {ACCESSCTL_ADMIN_KEY: adminKey})
    expect(countRows(dir.storePath, 'audit_log')).toBe(before.audit)
    expect(queryRows<{used: string | null}>(dir.storePath, 'SELECT last_used_at AS used FROM admin_keys')).toEqual([{used: null}])
  })

  it('offers at most 1,000 names', async () => {
    const many = tempDir()
    try {
      const services = Array.from({length: 1050}, (_, index) => `  - id: s${String(index).padStart(4, '0')}`).join('\n')
      const applied = await runCli(['apply', '-f', '-'], {store: many.storePath, input: `apiVersion: accessctl/v1\nservices:\n${services}\n`})
      expect(applied.code, applied.stderr).toBe(0)
      const offered = candidates((await complete('bash', ['service', 'get', 's'], {ACCESSCTL_STORE: many.storePath})).stdout)
      expect(offered).toHaveLength(1000)
      expect(offered[0]).toBe('s0000')
    } finally {
      many.cleanup()
    }
  })

  it('gives the candidates as JSON with --json', async () => {
    const result = await runCli(['__complete', 'zsh', '--json', '--', 'deployment', 'create', '--infra', 'q'], {store: dir.storePath})
    expect(result.code).toBe(0)
    const json = JSON.parse(result.stdout) as unknown
    expect(json).toEqual({directive: 'words', candidates: [{value: 'qa', description: 'Test'}]})
  })
})
