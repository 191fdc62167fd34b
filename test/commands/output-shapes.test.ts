import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {cliOn, type ErrorJson, expectNoStackTrace, type TempDir, tempDir} from '../helpers/cli.js'

/**
 * Issue 20.1: `-o json|yaml|name|wide|jsonpath=EXPR` on every get and list, run through the real CLI. The store holds
 * two of every listed thing, so that a list's names and picked values are more than one line.
 */
let dir: TempDir
const {run, must} = cliOn(() => dir.storePath)

interface Shaped {
  command: string[]
  /** The field of an item (a list) or of the document (a get) that -o name prints. */
  nameField: string
  /** For a list: the get that takes a name it prints; its arguments around the name. */
  get?: (name: string) => string[]
  /** Whether -o wide shows more than the default (false: the object has nothing more to show). */
  widens: boolean
}

const LISTS: Shaped[] = [
  {command: ['accounts', 'list'], nameField: 'id', get: (id) => ['accounts', 'get', '-i', id], widens: true},
  {command: ['admin-key', 'list'], nameField: 'id', widens: false},
  {command: ['audit', 'list'], nameField: 'id', widens: true},
  {command: ['groups', 'list'], nameField: 'name', get: (name) => ['groups', 'get', name], widens: true},
  {command: ['tokens', 'list'], nameField: 'jti', get: (jti) => ['tokens', 'get', jti], widens: true},
  {command: ['tokens', 'keys', 'list'], nameField: 'kid', widens: true},
  {command: ['tokens', 'roles', 'list'], nameField: 'name', get: (role) => ['tokens', 'roles', 'get', role, '-i', 'alice'], widens: false},
  {command: ['service', 'list'], nameField: 'id', get: (id) => ['service', 'get', id], widens: true},
  {command: ['service', 'keys', 'list', 'churn'], nameField: 'id', widens: true},
  {command: ['service', 'permissions', 'list', 'churn'], nameField: 'group', widens: false},
  {command: ['service', 'versions', 'list', 'churn'], nameField: 'version', widens: true},
  {command: ['infra', 'list'], nameField: 'id', get: (id) => ['infra', 'get', id], widens: true},
  {command: ['infra', 'permissions', 'list', 'prod'], nameField: 'group', widens: false},
  {command: ['deployment', 'list'], nameField: 'id', get: (id) => ['deployment', 'get', id], widens: true},
  {command: ['deployment', 'keys', 'list', 'churn-on-prod'], nameField: 'id', widens: true},
]

const GETS: Shaped[] = [
  {command: ['accounts', 'get', '-n', 'alice'], nameField: 'id', widens: true},
  {command: ['groups', 'get', 'ops'], nameField: 'name', widens: true},
  {command: ['service', 'get', 'churn'], nameField: 'id', widens: true},
  {command: ['infra', 'get', 'prod'], nameField: 'id', widens: true},
  {command: ['deployment', 'get', 'churn-on-prod'], nameField: 'id', widens: true},
  // tokens get (its jti is made in beforeAll) and tokens roles get are below.
]

let aliceJti: string
let bobToken: string

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['accounts', 'create', '-n', 'alice'],
    ['accounts', 'create', '-n', 'bob'],
    ['groups', 'create', 'ops'],
    ['groups', 'add-member', 'ops', '-i', 'alice'],
    ['admin-key', 'create', '--label', 'one'],
    ['admin-key', 'create', '--label', 'two'],
    ['tokens', 'create', '-i', 'bob', '--role', 'Admin'],
    ['tokens', 'keys', 'rotate'],
    ['service', 'create', 'churn'],
    ['service', 'create', 'other'],
    ['service', 'versions', 'add', 'churn', 'v1'],
    ['service', 'versions', 'add', 'churn', 'v2'],
    ['service', 'keys', 'create', 'churn', '--label', 'a'],
    ['service', 'keys', 'create', 'churn', '--label', 'b'],
    ['service', 'permissions', 'set', 'churn', '-g', 'ops', '--read'],
    ['service', 'permissions', 'set', 'churn', '-g', 'everyone', '--read'],
    ['infra', 'create', 'prod', '--stage', 'Production'],
    ['infra', 'create', 'dev', '--stage', 'Development'],
    ['infra', 'permissions', 'set', 'prod', '-g', 'ops', '--view'],
    ['infra', 'permissions', 'set', 'prod', '-g', 'everyone', '--view'],
    ['deployment', 'create', '--service', 'churn', '--infra', 'prod'],
    ['deployment', 'create', '--service', 'churn', '--infra', 'dev'],
    ['deployment', 'keys', 'create', 'churn-on-prod'],
    ['deployment', 'keys', 'create', 'churn-on-prod'],
  ]) {
    await must(args)
  }

  aliceJti = (JSON.parse(await must(['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--json'])) as {jti: string}).jti
  // bob may read services through 'everyone' (churn), not the other one; his token asks for 'get' on all of them.
  bobToken = await must(['tokens', 'create', '-i', 'bob', '-f', 'get', '-r', 'services', '-a', '*'])
}, 180_000)
afterAll(() => dir.cleanup())

/** The piped table's widest row, in tab-separated cells (fields of a get: its lines). */
function width(stdout: string, isList: boolean): number {
  const lines = stdout.trimEnd().split('\n')
  return isList ? Math.max(...lines.map((line) => line.split('\t').length)) : lines.length
}

async function expectShapes(shaped: Shaped, isList: boolean) {
  const json = await run([...shaped.command, '--json'])
  expect(json.code, json.stderr).toBe(0)
  const document = JSON.parse(json.stdout) as Record<string, unknown>

  const asJson = await run([...shaped.command, '-o', 'json'])
  expect(asJson.stdout).toBe(json.stdout)
  expect((await run([...shaped.command, '--output=json'])).stdout).toBe(json.stdout)
  expect((await run([...shaped.command, '--json', '-o', 'json'])).stdout).toBe(json.stdout)

  const asYaml = await run([...shaped.command, '-o', 'yaml'])
  expect(asYaml.code, asYaml.stderr).toBe(0)
  expect(parseYaml(asYaml.stdout)).toEqual(document)

  const items = isList ? (document.items as Array<Record<string, unknown>>) : [document]
  const expectedNames = items.map((item) => String(item[shaped.nameField]))
  expect(expectedNames.length).toBeGreaterThan(0)
  const names = await run([...shaped.command, '-o', 'name'])
  expect(names.code, names.stderr).toBe(0)
  expect(names.stdout).toBe(`${expectedNames.join('\n')}\n`)
  if (shaped.get) {
    const got = await run(shaped.get(expectedNames[0]))
    expect(got.code, got.stderr).toBe(0)
  }

  const path = isList ? `$.items[*].${shaped.nameField}` : `$.${shaped.nameField}`
  const picked = await run([...shaped.command, '-o', `jsonpath=${path}`])
  expect(picked.code, picked.stderr).toBe(0)
  const values = items.map((item) => item[shaped.nameField])
  expect(picked.stdout).toBe(`${values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join('\n')}\n`)

  const plain = await run(shaped.command)
  const wide = await run([...shaped.command, '-o', 'wide'])
  expect(wide.code, wide.stderr).toBe(0)
  if (shaped.widens) expect(width(wide.stdout, isList)).toBeGreaterThan(width(plain.stdout, isList))
  else expect(wide.stdout).toBe(plain.stdout)
}

describe('every list', () => {
  it.each(LISTS.map((list) => [list.command.join(' '), list] as const))('%s: -o json, yaml, name, jsonpath, wide', async (_name, list) => {
    await expectShapes(list, true)
  })

  it('-o name honours nothing but names: no header, one line a row, with --no-headers too', async () => {
    const withFlag = await run(['accounts', 'list', '-o', 'name', '--no-headers'])
    expect(withFlag.stdout).toBe(await must(['accounts', 'list', '-o', 'name']).then((out) => `${out}\n`))
  })

  it('-o jsonpath takes kubectl\'s braced form and prints values that are not strings as compact JSON', async () => {
    const braced = await run(['service', 'list', '-o', 'jsonpath={.items[*].id}'])
    expect(braced.stdout).toBe('churn\nother\n')
    const objects = await run(['service', 'versions', 'list', 'churn', '-o', 'jsonpath=$.items[?@.version == "v1"]'])
    const first = JSON.parse(objects.stdout) as {version: string}
    expect(first.version).toBe('v1')
    expect(objects.stdout.trimEnd()).not.toContain('\n')
    expect((await run(['service', 'list', '-o', 'jsonpath=$.limit'])).stdout).toBe('100\n')
  })

  it('-o wide counts what accounts and services hold, which their --json page leaves to get', async () => {
    const accounts = (await must(['accounts', 'list', '-o', 'wide', '--name', 'alice'])).split('\t')
    expect(accounts.slice(1, 2).concat(accounts.slice(3))).toEqual(['alice', '2', '1'])
    const services = await must(['service', 'list', '-o', 'wide', '--name', 'churn'])
    expect(services.split('\t').slice(4, 7)).toEqual(['2', '2', '2'])
    expect(services).toMatch(/\toperator:\S+$/)
    const asBob = await run(['service', 'list', '-o', 'wide'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(asBob.stdout.trimEnd().split('\n')).toHaveLength(1)
  })

  it('-o jsonpath with no match prints nothing and exits 0', async () => {
    const none = await run(['service', 'list', '-o', 'jsonpath=$.items[*].nothing'])
    expect(none).toMatchObject({code: 0, stdout: '', stderr: ''})
  })
})

describe('every get', () => {
  it.each(GETS.map((get) => [get.command.join(' '), get] as const))('%s: -o json, yaml, name, jsonpath, wide', async (_name, get) => {
    await expectShapes(get, false)
  })

  it('tokens get', async () => {
    await expectShapes({command: ['tokens', 'get', aliceJti], nameField: 'jti', widens: true}, false)
  })

  it('tokens roles get (its human output is already a YAML document: wide adds nothing)', async () => {
    const command = ['tokens', 'roles', 'get', 'Admin', '-i', 'alice']
    const json = JSON.parse(await must([...command, '--json'])) as Record<string, unknown>
    expect(await must([...command, '-o', 'json'])).toBe(JSON.stringify(json, null, 2))
    expect(parseYaml(await must([...command, '-o', 'yaml']))).toEqual(json)
    expect(await must([...command, '-o', 'name'])).toBe('Admin')
    expect(await must([...command, '-o', 'jsonpath=$.accountId'])).toBe(json.accountId)
    expect(await must([...command, '-o', 'wide'])).toBe(await must(command))
  })

  it('a get without -o prints its human fields as before', async () => {
    const shown = await must(['service', 'get', 'churn'])
    expect(shown).toMatch(/^id: +churn$/m)
    expect(shown).not.toContain('owner id')
    expect(await must(['service', 'get', 'churn', '-o', 'wide'])).toMatch(/^created by: +operator:/m)
  })
})

describe('bad input', () => {
  const missingStore = () => join(dir.path, 'never-made.db')

  it.each([
    [['-o', 'xml'], "--output takes one of: json, yaml, name, wide, jsonpath=EXPR; got 'xml'"],
    [['-o', 'jsonpath=$.items['], 'invalid JSONPath expression: unclosed bracketed selection'],
    [['-o', 'jsonpath=.items'], "invalid JSONPath expression: expected '$', found '.'"],
    [['-o', 'jsonpath='], '-o jsonpath= needs an expression'],
    [['-o', 'jsonpath={range .items[*]}{.id}{end}'], 'kubectl templates ({range}...{end}) are not taken'],
    [['-o', 'jsonpath=ids: {.items[*].id}'], 'kubectl templates (text around braces, several braces) are not taken'],
    [['-o', `jsonpath=$${'.a'.repeat(600)}`], 'the JSONPath expression is 1201 characters; at most 1000 are taken'],
    [['--json', '-o', 'yaml'], '--json and -o yaml ask for two different outputs'],
  ])('service list %s…: exit 2, before the store is opened', async (flags, message) => {
    const result = await run(['service', 'list', ...flags], {env: {ACCESSCTL_STORE: missingStore()}})
    expectNoStackTrace(result)
    expect(result.code).toBe(2)
    const shown = flags.includes('--json') ? (JSON.parse(result.stdout) as ErrorJson).error.message : result.stderr
    expect(shown).toContain(message)
    expect(existsSync(missingStore())).toBe(false)
  })

  it('an error under -o json is the error document, as under --json; under -o yaml it is the message on stderr', async () => {
    const asJson = await run(['service', 'get', 'nothing-here', '-o', 'json'])
    expect(asJson.code).toBe(4)
    expect(asJson.stdout).toBe((await run(['service', 'get', 'nothing-here', '--json'])).stdout)
    expect((JSON.parse(asJson.stdout) as ErrorJson).error.code).toBe('not_found')

    const badFlag = await run(['service', 'list', '-o', 'json', '--limit', '0'])
    expect(badFlag.code).toBe(2)
    expect((JSON.parse(badFlag.stdout) as ErrorJson).error.exitCode).toBe(2)

    for (const shape of ['yaml', 'name', 'wide', 'jsonpath=$.id']) {
      const result = await run(['service', 'get', 'nothing-here', '-o', shape])
      expect(result).toMatchObject({code: 4, stdout: ''})
      expect(result.stderr).toMatch(/^Error: no service with id 'nothing-here'/)
    }
  })

  it('audit list --follow takes no shape but json', async () => {
    const result = await run(['audit', 'list', '--follow', '-o', 'name'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--follow prints a table, or JSON lines with -o json; not -o name')
  })

  it('a control character in a label is escaped under -o jsonpath, and comes back exactly from -o yaml', async () => {
    const label = 'laptop\nff\u001B[2J\u202Eevil'
    const jti = (JSON.parse(await must(['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--label', label, '--json'])) as {jti: string}).jti
    const picked = await run(['tokens', 'get', jti, '-o', 'jsonpath=$.label'])
    expect(picked.stdout).toBe('laptop\\x0aff\\x1b[2J\\u202eevil\n')
    expect((parseYaml((await run(['tokens', 'get', jti, '-o', 'yaml'])).stdout) as {label: string}).label).toBe(label)
  })
})

describe('permissions', () => {
  it('a token of a non-admin account: -o name lists only the services it may read', async () => {
    expect(await must(['service', 'list', '-o', 'name'])).toBe('churn\nother')
    const asBob = await run(['service', 'list', '-o', 'name'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(asBob).toMatchObject({code: 0, stdout: 'churn\n'})
    const refused = await run(['groups', 'list', '-o', 'name'], {env: {ACCESSCTL_TOKEN: bobToken}})
    expect(refused).toMatchObject({code: 3, stdout: ''})
  })

  it('an admin key sees every service', async () => {
    const key = (JSON.parse(await must(['admin-key', 'create', '--label', 'shapes', '--json'])) as {key: string}).key
    expect(await must(['service', 'list', '-o', 'name'], {env: {ACCESSCTL_ADMIN_KEY: key}})).toBe('churn\nother')
  })
})
