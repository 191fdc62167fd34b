import {chmodSync, chownSync, mkdtempSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import type {AuthWhoamiResult} from '../../../src/commands/auth/whoami.js'
import {runCli} from '../../helpers/cli.js'
import {contextCli} from './helpers.js'

/**
 * The precedence table of docs/contexts.md, row by row: per setting (store, credential), flag > environment >
 * context > default, and the context chosen by --context > ACCESSCTL_CONTEXT > current-context. Each row is
 * checked by what auth whoami says the command used (and who it acted as), not by reading the code.
 */
// Made at collection, as the tables below name paths in it.
const root = mkdtempSync(join(tmpdir(), 'accessctl-precedence-'))
const {run, json, defaultStore} = contextCli(() => root)
const store = (name: string) => join(root, `${name}.db`)
let alice: string
let bob: string
let carol: string
let adminKey: string

beforeAll(async () => {
  const on = (extra: Record<string, string> = {}) => ({ACCESSCTL_STORE: store('main'), ...extra})
  const must = async (args: string[], extra?: Record<string, string>) => {
    const result = await run(args, on(extra))
    expect(result.code, result.stderr).toBe(0)
    return result.stdout.trim()
  }

  for (const name of ['alice', 'bob', 'carol']) await must(['accounts', 'create', '-n', name])
  alice = await must(['tokens', 'create', '-i', 'alice', '--role', 'Admin'])
  bob = await must(['tokens', 'create', '-i', 'bob', '--role', 'Admin'])
  carol = await must(['tokens', 'create', '-i', 'carol', '--role', 'Admin'])
  adminKey = await must(['admin-key', 'create', '--label', 'ops'])
  for (const other of ['other', 'third']) await must(['accounts', 'create', '-n', 'x'], {ACCESSCTL_STORE: store(other)})
  writeFileSync(join(root, 'alice.token'), `${alice}\n`, {mode: 0o600})
  writeFileSync(join(root, 'ops.key'), `${adminKey}\n`, {mode: 0o600})
  await must(['config', 'set-context', 'main', '--store', store('main'), '--token-file', 'alice.token'])
  await must(['config', 'set-context', 'ops', '--store', store('main'), '--admin-key-file', 'ops.key'])
  await must(['config', 'set-context', 'other', '--store', store('other')])
  await must(['config', 'set-context', 'third', '--store', store('third')])
  await must(['config', 'use-context', 'main'])
}, 120_000)
afterAll(() => rmSync(root, {recursive: true, force: true}))

type Me = AuthWhoamiResult
const accountOf = (me: Me) => (me.kind === 'token' ? me.account.name : me.kind)

async function whoami(args: string[], extra: Record<string, string | undefined> = {}): Promise<Me> {
  const result = await json<Me>(['auth', 'whoami', ...args], extra)
  expect(result.code, result.stdout + result.stderr).toBe(0)
  return result.json
}

describe('the store: flag > environment > context > default', () => {
  it.each([
    ['flag', ['--context', 'other', '--store', store('third')], {ACCESSCTL_STORE: store('main')}, store('third'), 'flag'],
    ['environment', ['--context', 'other'], {ACCESSCTL_STORE: store('main')}, store('main'), 'environment'],
    ['context', ['--context', 'other'], {}, store('other'), 'context'],
    ['default', [], {XDG_CONFIG_HOME: join(root, 'no-config')}, undefined, 'default'],
  ] as Array<[string, string[], Record<string, string>, string | undefined, string]>)('%s', async (_row, args, extra, path, from) => {
    // Context 'other' has no credential file, so every row acts as the operator on the store it names.
    const me = await whoami(args, extra)
    expect(me.kind).toBe('operator')
    expect(me.settings.store).toEqual({path: path ?? defaultStore(), from})
  })
})

describe('the credential: flag > environment > context > default', () => {
  it('flag: --token wins over ACCESSCTL_TOKEN and the context file', async () => {
    const me = await whoami(['--token', carol], {ACCESSCTL_TOKEN: bob})
    expect([accountOf(me), me.settings.credential]).toEqual(['carol', {from: 'flag', file: null}])
  })

  it('environment: ACCESSCTL_TOKEN wins over the context file', async () => {
    const me = await whoami([], {ACCESSCTL_TOKEN: bob})
    expect([accountOf(me), me.settings.credential]).toEqual(['bob', {from: 'environment', file: null}])
  })

  it('context: the token file of the current context', async () => {
    const me = await whoami([])
    expect([accountOf(me), me.settings.credential]).toEqual(['alice', {from: 'context', file: join(root, 'alice.token')}])
    expect(me.settings.context).toEqual({name: 'main', from: 'config file'})
    const key = await whoami(['--context', 'ops'])
    expect([accountOf(key), key.settings.credential.from]).toEqual(['admin-key', 'context'])
  })

  it('default: a context without a credential file acts as the local operator', async () => {
    const me = await whoami(['--context', 'other'])
    expect([accountOf(me), me.settings.credential]).toEqual(['operator', {from: 'default', file: null}])
  })

  it("a credential from the flag or environment means the context's file is never read: a missing one is no error", async () => {
    const gone = join(root, 'gone.token')
    writeFileSync(gone, `${alice}\n`, {mode: 0o600})
    await run(['config', 'set-context', 'gone', '--store', store('main'), '--token-file', gone])
    rmSync(gone)
    expect(accountOf(await whoami(['--context', 'gone'], {ACCESSCTL_TOKEN: bob}))).toBe('bob')
    expect(accountOf(await whoami(['--context', 'gone', '--admin-key', adminKey]))).toBe('admin-key')
    const used = await run(['auth', 'whoami', '--context', 'gone'])
    expect(used.code).toBe(2)
    expect(used.stderr).toMatch(/^Error: the token file .*gone\.token of context gone does not exist/)
  })
})

describe('the context: --context > ACCESSCTL_CONTEXT > current-context', () => {
  it.each([
    ['--context', ['--context', 'third'], {ACCESSCTL_CONTEXT: 'other'}, 'third', 'flag'],
    ['ACCESSCTL_CONTEXT', [], {ACCESSCTL_CONTEXT: 'other'}, 'other', 'environment'],
    ['current-context', [], {}, 'main', 'config file'],
  ] as Array<[string, string[], Record<string, string>, string, string]>)('%s', async (_row, args, extra, name, from) => {
    const me = await whoami(args, extra)
    expect(me.settings.context).toEqual({name, from})
  })

  it('no config file and no context asked for: the defaults, with no error', async () => {
    const me = await whoami([], {XDG_CONFIG_HOME: join(root, 'no-config'), ACCESSCTL_STORE: store('main')})
    expect(me.settings).toEqual({context: null, store: {path: store('main'), from: 'environment'}, credential: {from: 'default', file: null}})
  })

  it('XDG_CONFIG_HOME counts only when absolute, as the XDG spec says: else ~/.config', async () => {
    const me = await whoami([], {XDG_CONFIG_HOME: 'config', HOME: join(root, 'home'), ACCESSCTL_STORE: store('main')})
    expect(me.settings.context).toBeNull()
  })

  it.each([
    ['--context', ['--context', 'mian'], {}, /^Error: --context names no context: 'mian'\nDid you mean main\?/],
    ['ACCESSCTL_CONTEXT', [], {ACCESSCTL_CONTEXT: 'ohter'}, /^Error: ACCESSCTL_CONTEXT names no context: 'ohter'\nDid you mean other\?/],
    ['an empty --context', ['--context', ''], {}, /^Error: --context is empty/],
    ['an empty ACCESSCTL_CONTEXT', [], {ACCESSCTL_CONTEXT: ' '}, /^Error: ACCESSCTL_CONTEXT is set but empty/],
  ] as Array<[string, string[], Record<string, string>, RegExp]>)('%s naming no context is exit 2, and nothing is written', async (_row, args, extra, message) => {
    const result = await run(['accounts', 'create', '-n', 'dave', ...args], extra)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(message)
    const listed = await json<{items: Array<{name: string}>}>(['accounts', 'list'], {ACCESSCTL_STORE: store('main'), ACCESSCTL_CONTEXT: 'other'})
    expect(listed.json.items.map((account) => account.name)).not.toContain('dave')
  })

  it('a --context naming no context is refused even when flags give the store and the credential', async () => {
    const result = await run(['auth', 'whoami', '--context', 'nope', '--store', store('main'), '--token', bob])
    expect(result.code).toBe(2)
  })
})

describe('credential files are checked at every use, as ssh checks a key', () => {
  const use = (file: string) => run(['config', 'set-context', 'main', '--token-file', file])

  it('a token file made 0644 after set-context is refused at use, naming the file and the fix', async () => {
    const file = join(root, 'later.token')
    writeFileSync(file, `${alice}\n`, {mode: 0o600})
    expect((await use(file)).code).toBe(0)
    chmodSync(file, 0o644)
    const result = await run(['auth', 'whoami'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(`Error: the token file ${file} of context main is open to other users (mode 0644): it is not read\nA credential file must be 0600 or stricter, as ssh requires of a key: chmod 600 ${file}\n`)
    chmodSync(file, 0o400)
    expect(accountOf(await whoami([]))).toBe('alice')
  })

  it('a symbolic link put in place of the token file is refused at use', async () => {
    const file = join(root, 'swapped.token')
    writeFileSync(file, `${alice}\n`, {mode: 0o600})
    expect((await use(file)).code).toBe(0)
    rmSync(file)
    symlinkSync(join(root, 'alice.token'), file)
    const result = await run(['auth', 'whoami'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error: the token file .*swapped\.token of context main is a symbolic link/)
  })

  it.skipIf(process.getuid?.() !== 0)("another user's token file is refused, even 0600", async () => {
    const file = join(root, 'nobody.token')
    writeFileSync(file, `${alice}\n`, {mode: 0o600})
    expect((await use(file)).code).toBe(0)
    chownSync(file, 65_534, 65_534)
    const result = await run(['auth', 'whoami'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error: the token file .*nobody\.token of context main belongs to uid 65534, not to this user/)
    const refused = await use(file)
    expect(refused.code).toBe(2)
  })

  it('an invalid token in the file is exit 3, as any invalid credential', async () => {
    const file = join(root, 'revoked.token')
    const token = (await run(['tokens', 'create', '-i', 'alice', '--role', 'Admin'], {ACCESSCTL_STORE: store('main'), ACCESSCTL_CONTEXT: 'other'})).stdout.trim()
    writeFileSync(file, `${token}\n`, {mode: 0o600})
    expect((await use(file)).code).toBe(0)
    const id = (await json<{token: {jti: string}}>(['auth', 'whoami'])).json.token.jti
    expect((await run(['tokens', 'revoke', id, '--yes'], {ACCESSCTL_STORE: store('main'), ACCESSCTL_CONTEXT: 'other'})).code).toBe(0)
    const result = await run(['auth', 'whoami'])
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/^Error: invalid credential: token revoked/)
    await use(join(root, 'alice.token'))
  })
})

describe('auth whoami shows the sources to a person', () => {
  it('the fields, as YAML that reads back', async () => {
    await run(['config', 'set-context', 'main', '--token-file', join(root, 'alice.token')])
    const result = await run(['auth', 'whoami'], {ACCESSCTL_STORE: store('main')})
    expect(result.code, result.stderr).toBe(0)
    expect(parseYaml(result.stdout)).toMatchObject({
      name: 'alice',
      context: 'main (current-context)',
      store: store('main'),
      'store from': 'environment',
      'credential from': 'context main',
      'credential file': join(root, 'alice.token'),
    })
  })

  it('the operator without any config: no context, default store and credential', async () => {
    const result = await runCli(['auth', 'whoami'], {env: {XDG_CONFIG_HOME: join(root, 'no-config'), ACCESSCTL_CONTEXT: undefined}, store: store('main')})
    expect(parseYaml(result.stdout)).toMatchObject({context: null, store: store('main'), 'store from': 'environment', 'credential from': 'default'})
  })
})

describe("global flags typed before the command, as kubectl's --context is", () => {
  it('--context, --store and --token=VALUE before the command words work as after them', async () => {
    const before = await json<Me>(['--context', 'other', '--store', store('third'), 'auth', 'whoami'])
    expect(before.code, before.stderr).toBe(0)
    expect(before.json.settings).toMatchObject({context: {name: 'other', from: 'flag'}, store: {path: store('third'), from: 'flag'}})
    const token = await json<Me>([`--token=${bob}`, '--store', store('main'), 'auth', 'whoami'])
    expect(token.code, token.stderr).toBe(0)
    expect(accountOf(token.json)).toBe('bob')
  })

  it('an unknown --context before the command is the same usage error, with the nearest name', async () => {
    const result = await run(['--context', 'othre', 'accounts', 'list'])
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("Error: --context names no context: 'othre'")
    expect(result.stderr).toContain('other')
  })
})
