import {existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml, parseAllDocuments} from 'yaml'

import type {TestResult} from '../../src/commands/test.js'
import {cliOn, type ErrorJson, expectNoStackTrace, PROJECT_ROOT, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {countRows} from '../helpers/store.js'
import {wellFormed, xpath} from '../helpers/xml.js'

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'policy-tests')
const STATE = join(FIXTURES, 'state.yaml')
const TESTS = join(FIXTURES, 'tests.yaml')

const FAILING = `apiVersion: accessctl/v1
tests:
  - name: only devops deploys to production
    as: alice@example.com
    cannot: deploy service/churn --infra prod
  - as: alice@example.com
    can: deploy service/churn --infra prod
  - as: dave@example.com
    cannot: deploy service/churn --infra=prod
`

describe('accessctl test', () => {
  let dir: TempDir
  let adminKey: string
  let eveToken: string
  let rootToken: string
  const {run, json, must} = cliOn(() => dir.storePath)

  beforeAll(async () => {
    dir = tempDir()
    await must(['apply', '-f', STATE])
    adminKey = await must(['admin-key', 'create', '--label', 'ci'])
    eveToken = await must(['tokens', 'create', '-t', 'ephemeral', '-i', 'eve@example.com', '--role', 'Admin'])
    rootToken = await must(['tokens', 'create', '-t', 'ephemeral', '-i', 'root@example.com', '--role', 'Admin'])
  })
  afterAll(() => dir.cleanup())

  it('passes when every test holds: one line per test, then the summary (exit 0); --json is the report', async () => {
    const human = await run(['test', '-f', TESTS])
    expect(human.stderr).toBe('')
    expect(human.code).toBe(0)
    expect(human.stdout).toBe(
      [
        'ok    only devops deploys to production',
        'ok    dave@example.com can deploy service/churn --infra prod',
        'ok    alice@example.com can deploy service/churn --infra dev',
        'ok    fraud-scoring is invisible outside fraud-team',
        'ok    frank@example.com can administer service/fraud-scoring',
        'ok    eve@example.com can read service/weather',
        'ok    alice@example.com can create service',
        '7 passed, 0 failed',
        '',
      ].join('\n'),
    )

    const report = await json<TestResult>(['test', '-f', TESTS])
    expect(report.code).toBe(0)
    expect(report.json).toMatchObject({passed: 7, failed: 0})
    expect(report.json.coverage).toBeUndefined()
    expect(report.json.tests[0]).toEqual({
      name: 'only devops deploys to production',
      as: 'alice@example.com',
      expect: 'cannot',
      question: 'deploy service/churn --infra prod',
      passed: true,
      reason: "permission denied: needs 'deploy' on infrastructure prod; you have 'read, write, deploy, admin' on service churn and 'view' on infrastructure prod",
    })
    // Hidden is no, with the command's own message, as can-i answers it.
    expect(report.json.tests[3].reason).toBe("no service with id 'fraud-scoring'")
  })

  it('fails with exit 11, naming each failure and what the guards said; the same answers as auth can-i --as', async () => {
    const human = await run(['test', '-f', '-'], {input: FAILING})
    expect(human.code).toBe(11)
    expect(human.stdout.split('\n')).toEqual([
      'ok    only devops deploys to production',
      "FAIL  alice@example.com can deploy service/churn --infra prod: permission denied: needs 'deploy' on infrastructure prod; you have 'read, write, deploy, admin' on service churn and 'view' on infrastructure prod",
      'FAIL  dave@example.com cannot deploy service/churn --infra=prod: allowed: the account holds deploy on service churn and deploy on infrastructure prod',
      '1 passed, 2 failed',
      '',
    ])
    expect(human.stderr).toBe('Error: 2 of 3 policy tests failed\n')
    expectNoStackTrace(human)

    const report = await json<TestResult>(['test', '-f', '-'], {input: FAILING})
    expect(report.code).toBe(11)
    expect(report.stderr).toBe('')
    expect(report.json.tests.map((test) => test.passed)).toEqual([true, false, false])
    expect(report.json).toMatchObject({passed: 1, failed: 2})

    const canI = await run(['auth', 'can-i', 'deploy', 'service/churn', '--infra', 'prod', '--as', 'alice@example.com'])
    expect(canI.code).toBe(3)
    expect(canI.stderr).toBe(`Error: ${report.json.tests[1].reason}\n`)
  })

  it('refuses a bad document with exit 2, every problem at its line and column, and runs nothing', async () => {
    const audits = countRows(dir.storePath, 'audit_log')
    const bad = await run(['test', '-f', '-', '--junit', join(dir.path, 'never.xml')], {
      input: `apiVersion: accessctl/v1
tests:
  - as: nobody@example.com
    can: read service/weather
  - as: alice@example.com
    can: write infra/prod
  - as: alice@example.com
    can: fly service/churn
  - as: alice@example.com
    cannot: deploy service/churn --infra prod
  - as: nobody@example.com
    can: read service/weather
`,
    })
    expect(bad.code).toBe(2)
    expect(bad.stdout).toBe('')
    expect(bad.stderr).toBe(
      [
        "Error: line 3, column 9 of stdin: no account with id or name 'nobody@example.com'",
        'line 6, column 10 of stdin: an infrastructure has no write privilege: ask read (view), deploy or administer',
        "line 8, column 10 of stdin: 'fly' is not an action: use one of create, read, write, deploy, administer",
        "line 11, column 9 of stdin: no account with id or name 'nobody@example.com'",
        '',
      ].join('\n'),
    )
    expect(existsSync(join(dir.path, 'never.xml'))).toBe(false)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audits)

    const json = await runJson<ErrorJson>(['test', '-f', '-'], {store: dir.storePath, input: 'apiVersion: accessctl/v1\ntests:\n  - {as: eve@example.com}\n'})
    expect(json.code).toBe(2)
    expect(json.json.error).toMatchObject({code: 'invalid_input', exitCode: 2})
    expect(json.json.error.message).toBe("line 3, column 5 of stdin: a test needs 'can' or 'cannot': the question, as auth can-i takes it")

    const both = await run(['test', '-f', '-', '--state', '-'], {input: FAILING})
    expect(both).toMatchObject({code: 2, stdout: '', stderr: 'Error: -f and --state cannot both be stdin: give one of them as a file\n'})
    const tooBig = await run(['test', '-f', '-'], {input: `apiVersion: accessctl/v1\n#${'x'.repeat(4 * 1024 * 1024)}\n`})
    expect(tooBig).toMatchObject({code: 2, stderr: 'Error: stdin holds more than 4 MiB: a test document is at most 4 MiB\n'})
    const missingFile = await run(['test', '-f', join(dir.path, 'missing.yaml')])
    expect(missingFile.code).toBe(2)

    // A read never creates a store.
    const noStore = await runCli(['test', '-f', TESTS], {store: join(dir.path, 'none', 'store.db')})
    expect(noStore.code).toBe(6)
    expect(existsSync(join(dir.path, 'none'))).toBe(false)
  })

  it('needs what can-i --as needs: the operator, an admin key or a global administrator; anyone else is exit 3 before any account is looked up', async () => {
    expect((await run(['test', '-f', TESTS], {env: {ACCESSCTL_ADMIN_KEY: adminKey}})).code).toBe(0)
    expect((await run(['test', '-f', TESTS], {env: {ACCESSCTL_TOKEN: rootToken}})).code).toBe(0)

    const audits = countRows(dir.storePath, 'audit_log', "action = 'test' AND outcome = 'denied'")
    const denied = await run(['test', '-f', TESTS], {env: {ACCESSCTL_TOKEN: eveToken}})
    expect(denied).toMatchObject({code: 3, stdout: '', stderr: 'Error: permission denied: test needs a global administrator (a member of a group with --admin)\n'})
    // An unknown account does not turn that into exit 2: a caller who may not ask learns nothing of which accounts exist.
    const probing = await run(['test', '-f', '-'], {input: 'apiVersion: accessctl/v1\ntests:\n  - {as: nobody, can: read service/weather}\n', env: {ACCESSCTL_TOKEN: eveToken}})
    expect(probing.code).toBe(3)
    expect(countRows(dir.storePath, 'audit_log', "action = 'test' AND outcome = 'denied'")).toBe(audits + 2)
    expect((await run(['test', '-f', TESTS], {env: {ACCESSCTL_TOKEN: `${eveToken}x`}})).code).toBe(3)
  })

  it('--state DOC tests the state that applying DOC to an empty store would make, in memory: no store is opened or created', async () => {
    const store = join(dir.path, 'untouched', 'store.db')
    const passing = await runJson<TestResult>(['test', '-f', TESTS, '--state', STATE], {store})
    expect(passing.code).toBe(0)
    expect(passing.json).toMatchObject({passed: 7, failed: 0})
    expect(existsSync(join(dir.path, 'untouched'))).toBe(false)

    // A document that would let alice deploy to prod fails the test that says she cannot; the store is not asked.
    const proposed = readFileSync(STATE, 'utf8').replace('{data-scientists: [view], devops: [deploy]}', '{data-scientists: [deploy], devops: [deploy]}')
    const failing = await runCli(['test', '-f', TESTS, '--state', '-'], {store, input: proposed, env: {ACCESSCTL_TOKEN: eveToken}})
    expect(failing.code).toBe(11)
    expect(failing.stdout).toContain('FAIL  only devops deploys to production: allowed: the account holds deploy on service churn and deploy on infrastructure prod\n')
    expect(existsSync(join(dir.path, 'untouched'))).toBe(false)

    const broken = await runCli(['test', '-f', TESTS, '--state', '-'], {store, input: 'apiVersion: accessctl/v1\ndeployments: [{service: nope, infrastructure: dev, version: v1}]\n'})
    expect(broken.code).toBe(2)
    expect(broken.stderr).toMatch(/^Error: --state: the document does not apply to an empty store: line 2 of stdin: no service with id 'nope'/)
    const notADocument = await runCli(['test', '-f', TESTS, '--state', '-'], {store, input: 'apiVersion: accessctl/v1\ncolour: red\n'})
    expect(notADocument.code).toBe(2)
    expect(notADocument.stderr).toMatch(/^Error: line 2 of stdin: unknown key 'colour'/)
  })

  it('--junit FILE writes a JUnit report (0644, replaced whole, never through a symbolic link) that a strict parser reads', async () => {
    const report = join(dir.path, 'report.xml')
    writeFileSync(report, 'old report')
    const hostile = 'evil <name> & "quotes" \u001b[31m\u202eright-to-left'
    const input = `${FAILING}  - name: ${JSON.stringify(hostile)}\n    as: eve@example.com\n    can: read service/weather\n`
    const result = await run(['test', '-f', '-', '--junit', report], {input})
    expect(result.code).toBe(11)
    // On the terminal the name is escaped like any stored text.
    expect(result.stdout).toContain('ok    evil <name> & "quotes" \\x1b[31m\\u202eright-to-left\n')
    wellFormed(report)
    expect(lstatSync(report).mode & 0o777).toBe(0o644 & ~process.umask())
    expect(xpath(report, 'string(/testsuites/@tests)')).toBe('4')
    expect(xpath(report, 'string(/testsuites/@failures)')).toBe('2')
    expect(xpath(report, 'string(/testsuites/testsuite/@name)')).toBe('stdin')
    expect(xpath(report, 'count(//testcase)')).toBe('4')
    expect(xpath(report, 'string(//testcase[1]/@name)')).toBe('only devops deploys to production')
    expect(xpath(report, 'count(//testcase[1]/failure)')).toBe('0')
    expect(xpath(report, 'string(//testcase[2]/failure/@message)')).toMatch(/^permission denied: needs 'deploy' on infrastructure prod;/)
    expect(xpath(report, 'string(//testcase[4]/@name)')).toBe(hostile.replace('\u001b', '\\x1b'))

    const target = join(dir.path, 'elsewhere.xml')
    const link = join(dir.path, 'link.xml')
    symlinkSync(target, link)
    const refused = await run(['test', '-f', TESTS, '--junit', link])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(`Error: ${link} is a symbolic link: the JUnit report is not written through one; give the file itself\n`)
    expect(existsSync(target)).toBe(false)
    const folder = await run(['test', '-f', TESTS, '--junit', join(dir.path, 'no', 'such', 'folder.xml')])
    expect(folder.code).toBe(2)
  })

  it('--coverage lists the permission rows, memberships and global privileges no test relied on', async () => {
    const partial = await json<TestResult>(['test', '-f', '-', '--coverage'], {input: 'apiVersion: accessctl/v1\ntests:\n  - {as: dave@example.com, can: deploy service/churn --infra prod}\n'})
    expect(partial.code).toBe(0)
    const coverage = partial.json.coverage!
    expect(coverage.permissions.total).toBe(7)
    expect(coverage.permissions.exercised).toBe(2)
    expect(coverage.permissions.unexercised).toContainEqual({kind: 'infrastructure', id: 'prod', group: 'data-scientists', privilege: 'view'})
    expect(coverage.permissions.unexercised).not.toContainEqual({kind: 'infrastructure', id: 'prod', group: 'devops', privilege: 'deploy'})
    expect(coverage.memberships).toMatchObject({total: 4, exercised: 1})
    expect(coverage.memberships.unexercised.map((m) => `${m.accountName} in ${m.group}`)).toEqual([
      'alice@example.com in data-scientists',
      'frank@example.com in fraud-team',
      'root@example.com in platform-admins',
    ])
    expect(coverage.globalPrivileges).toEqual({
      total: 2,
      exercised: 0,
      unexercised: [
        {group: 'data-scientists', privilege: 'may-create-services'},
        {group: 'platform-admins', privilege: 'admin'},
      ],
    })

    const full = await json<TestResult>(['test', '-f', TESTS, '--coverage'])
    expect(full.json.coverage!.globalPrivileges.unexercised).toEqual([{group: 'platform-admins', privilege: 'admin'}])
    const human = await run(['test', '-f', TESTS, '--coverage'])
    expect(human.stdout).toContain('\n7 passed, 0 failed\ncoverage: 6 of 7 permission rows, 3 of 4 memberships, 1 of 2 global privileges exercised\n')
    expect(human.stdout).toContain('  not exercised: root@example.com in group platform-admins\n')
    expect(human.stdout).toContain('  not exercised: admin of group platform-admins\n')
  })
})

describe('schema/test.schema.json', () => {
  // ajv 8 (JSON Schema 2020-12) comes with fastify; the package's own ajv is 6, which knows only draft-07.
  const requireFromFastify = createRequire(createRequire(import.meta.url).resolve('@fastify/ajv-compiler'))
  const Ajv2020 = requireFromFastify('ajv/dist/2020').default as new (options: object) => {compile: (schema: object) => ((data: unknown) => boolean) & {errors?: unknown}}
  const validate = new Ajv2020({strict: false}).compile(JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'test.schema.json'), 'utf8')))

  /** The test documents of docs/access-reviews.md: every heredoc that holds a list under `tests`. */
  function documentedTests(): string[] {
    const lines = readFileSync(join(PROJECT_ROOT, 'docs', 'access-reviews.md'), 'utf8').split('\n')
    const documents: string[] = []
    for (let index = 0; index < lines.length; index++) {
      if (!/<<'EOF'/.test(lines[index])) continue
      const body: string[] = []
      while (lines[++index] !== 'EOF') body.push(lines[index])
      if (body.includes('tests:')) documents.push(body.join('\n'))
    }

    return documents
  }

  it('accepts the documented examples and the fixtures', () => {
    const documents = [...documentedTests(), readFileSync(TESTS, 'utf8')]
    expect(documents.length).toBeGreaterThanOrEqual(3)
    for (const text of documents) {
      for (const document of parseAllDocuments(text)) {
        const value = document.toJS()
        expect(validate(value), `${text}\n${JSON.stringify(validate.errors)}`).toBe(true)
      }
    }
  })

  it('refuses what accessctl test refuses', () => {
    for (const text of [
      'apiVersion: accessctl/v1\ntests: []',
      'apiVersion: accessctl/v1\ntests: [{as: bob, can: read service/a, cannot: read service/a}]',
      'apiVersion: accessctl/v1\ntests: [{as: bob}]',
      'apiVersion: accessctl/v1\ntests: [{can: read service/a}]',
      'apiVersion: accessctl/v1\ntests: [{as: bob, can: read service/a, colour: red}]',
      "apiVersion: accessctl/v1\ntests: [{as: bob, can: \"read 'service/a'\"}]",
      'apiVersion: accessctl/v2\ntests: [{as: bob, can: read service/a}]',
    ]) {
      expect(validate(parseYaml(text)), text).toBe(false)
    }
  })
})
