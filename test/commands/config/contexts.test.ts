import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import type {ConfigGetContextsResult} from '../../../src/commands/config/get-contexts.js'
import type {ConfigSetContextResult} from '../../../src/commands/config/set-context.js'
import {type ErrorJson, expectNoStackTrace, runCli} from '../../helpers/cli.js'
import {PtySession} from '../../helpers/pty.js'
import {runCliUmask0} from '../../helpers/umask.js'
import {contextCli, fileBytes} from './helpers.js'

let root: string
const {configFile, run, json} = contextCli(() => root)

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'accessctl-contexts-'))
})
afterEach(() => rmSync(root, {recursive: true, force: true}))

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8)

describe('config set-context, use-context, get-contexts, current-context, delete-context', () => {
  it('a context made, listed, used, shown and deleted: the human output and --json', async () => {
    const created = await run(['config', 'set-context', 'dev', '--store', 'dev.db'])
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toBe(`created context 'dev'\nstore: ${join(root, 'dev.db')}\n`)
    expect(created.stderr).toBe('Use it with: accessctl config use-context dev\n')
    // The path was made absolute against the working folder, and written as YAML that reads back.
    expect(parseYaml(fileBytes(configFile())!)).toEqual({contexts: [{name: 'dev', store: join(root, 'dev.db')}]})

    const none = await run(['config', 'current-context'])
    expect(none.code).toBe(4)
    expect(none.stderr).toMatch(/^Error: no current context is set\n.*config use-context NAME/)

    expect((await run(['config', 'use-context', 'dev'])).stdout).toBe("switched to context 'dev'\n")
    expect((await run(['config', 'current-context'])).stdout).toBe('dev\n')
    expect((await json(['config', 'current-context'])).json).toEqual({name: 'dev', current: true, store: join(root, 'dev.db'), tokenFile: null, adminKeyFile: null})

    await run(['config', 'set-context', 'ci', '--store', '/srv/ci.db'])
    const table = await run(['config', 'get-contexts'])
    // Piped: tab-separated, no header, as every table of accessctl.
    expect(table.stdout).toBe(`*\tdev\t${join(root, 'dev.db')}\t\n\tci\t/srv/ci.db\t\n`)
    const listed = await json<ConfigGetContextsResult>(['config', 'get-contexts'])
    expect(listed.json).toEqual({
      currentContext: 'dev',
      items: [
        {name: 'dev', current: true, store: join(root, 'dev.db'), tokenFile: null, adminKeyFile: null},
        {name: 'ci', current: false, store: '/srv/ci.db', tokenFile: null, adminKeyFile: null},
      ],
    })

    const deleted = await run(['config', 'delete-context', 'dev', '--yes'])
    expect(deleted.stdout).toBe("deleted context 'dev'; no context is current now\n")
    expect(parseYaml(fileBytes(configFile())!)).toEqual({contexts: [{name: 'ci', store: '/srv/ci.db'}]})
    expect((await run(['config', 'current-context'])).code).toBe(4)
    expect((await json(['config', 'delete-context', 'ci', '--yes'])).json).toEqual({name: 'ci', current: false, store: '/srv/ci.db', tokenFile: null, adminKeyFile: null})
    const empty = await run(['config', 'get-contexts'])
    expect(empty).toMatchObject({code: 0, stdout: ''})
    expect(empty.stderr).toContain('No contexts yet')
  })

  it('on a terminal get-contexts has a header and a * for the current context', async () => {
    await run(['config', 'set-context', 'dev', '--store', '/srv/dev.db'])
    await run(['config', 'set-context', 'prod', '--store', '/srv/prod.db'])
    await run(['config', 'use-context', 'prod'])
    const session = new PtySession(['config', 'get-contexts'], {XDG_CONFIG_HOME: join(root, 'config')})
    expect(await session.exit()).toBe(0)
    const lines = session.text.trim().split(/\r?\n/)
    expect(lines[0]).toMatch(/^CURRENT +NAME +STORE +CREDENTIAL$/)
    expect(lines[1]).toMatch(/^ +dev +\/srv\/dev\.db$/)
    expect(lines[2]).toMatch(/^\* +prod +\/srv\/prod\.db$/)
  })

  it('set-context changes only the fields given; a credential file of one kind drops the other', async () => {
    for (const name of ['alice.token', 'ops.key']) writeFileSync(join(root, name), name === 'ops.key' ? 'acak_x\n' : 'eyJa.eyJb.c\n', {mode: 0o600})
    await run(['config', 'set-context', 'dev', '--store', 'dev.db', '--token-file', 'alice.token'])
    const keyed = await json<ConfigSetContextResult>(['config', 'set-context', 'dev', '--admin-key-file', 'ops.key'])
    expect(keyed.json).toEqual({name: 'dev', current: false, store: join(root, 'dev.db'), tokenFile: null, adminKeyFile: join(root, 'ops.key'), created: false})
    const moved = await run(['config', 'set-context', 'dev', '--store', '/srv/other.db'])
    expect(moved.stdout).toBe(`updated context 'dev'\nstore:          /srv/other.db\nadmin-key file: ${join(root, 'ops.key')}\n`)
    expect(parseYaml(fileBytes(configFile())!)).toEqual({contexts: [{name: 'dev', store: '/srv/other.db', 'admin-key-file': join(root, 'ops.key')}]})
  })

  it('config commands never open a store: no credential (operator, admin key, token alike) and no global setting changes what they do', async () => {
    const store = join(root, 'never', 'store.db')
    const result = await run(['config', 'set-context', 'dev', '--store', 'dev.db'], {ACCESSCTL_STORE: store, ACCESSCTL_TOKEN: 'not-a-token', ACCESSCTL_ADMIN_KEY: 'acak_not-a-key', ACCESSCTL_CONTEXT: 'nope'})
    expect(result.code, result.stderr).toBe(0)
    expect(existsSync(join(root, 'never'))).toBe(false)
    expect(existsSync(join(root, 'dev.db'))).toBe(false)
    expect(parseYaml(fileBytes(configFile())!)).toEqual({contexts: [{name: 'dev', store: join(root, 'dev.db')}]})
    // They take no --store of the global kind, nor --context: those belong to the commands that open a store.
    for (const args of [['config', 'get-contexts', '--context', 'dev'], ['config', 'current-context', '--token', 'x']]) {
      const refused = await run(args)
      expect(refused.code).toBe(2)
      expect(refused.stderr).toMatch(/^Error: unknown flag/)
    }
  })

  it('the folder is made 0700 and the file 0600 from the start, even with a umask of 000; no staging file is left', async () => {
    const home = join(root, 'fresh', 'config')
    const result = await runCliUmask0(['config', 'set-context', 'dev', '--store', '/srv/dev.db'], {env: {XDG_CONFIG_HOME: home}})
    expect(result.code, result.stderr).toBe(0)
    expect(mode(home)).toBe('700')
    expect(mode(join(home, 'accessctl'))).toBe('700')
    expect(mode(join(home, 'accessctl', 'config.yaml'))).toBe('600')
    const replaced = await runCliUmask0(['config', 'use-context', 'dev'], {env: {XDG_CONFIG_HOME: home}})
    expect(replaced.code, replaced.stderr).toBe(0)
    expect(mode(join(home, 'accessctl', 'config.yaml'))).toBe('600')
    expect(readdirSync(join(home, 'accessctl'))).toEqual(['config.yaml'])
  })

  it('delete-context asks on a terminal; no answers no, and nothing is deleted', async () => {
    await run(['config', 'set-context', 'dev', '--store', '/srv/dev.db'])
    const before = fileBytes(configFile())
    const session = new PtySession(['config', 'delete-context', 'dev'], {XDG_CONFIG_HOME: join(root, 'config')})
    await session.waitFor("Delete context 'dev'?")
    session.type('n\r')
    expect(await session.exit()).toBe(2)
    expect(session.text).toContain('aborted: nothing was changed')
    expect(fileBytes(configFile())).toBe(before)
  })
})

describe('bad input: the message, the exit code, and the config file unchanged', () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ['a name with capitals', ['config', 'set-context', 'Dev', '--store', 'x.db'], 2, /^Error: context name 'Dev' may hold only lower-case letters/],
    ['a name too long', ['config', 'set-context', 'a'.repeat(64), '--store', 'x.db'], 2, /has at most 63 characters; this one has 64/],
    ['a new context without a store', ['config', 'set-context', 'new'], 2, /^Error: context 'new' does not exist yet: creating it needs --store PATH/],
    ['both credential files', ['config', 'set-context', 'dev', '--token-file', 'a', '--admin-key-file', 'b'], 2, /cannot also be provided when using/],
    ['an empty store', ['config', 'set-context', 'dev', '--store', ''], 2, /^Error: --store is empty/],
    ['a store path ending in white space', ['config', 'set-context', 'dev', '--store', 'x.db '], 2, /ends in white space/],
    ['a store path too long', ['config', 'set-context', 'dev', '--store', `/${'x'.repeat(4096)}`], 2, /is longer than 4096 bytes/],
    ['a token file that does not exist', ['config', 'set-context', 'dev', '--token-file', 'missing.token'], 2, /^Error: the token file .*missing\.token of context dev does not exist/],
    ['use-context of an unknown name', ['config', 'use-context', 'deb'], 4, /^Error: no context named 'deb'\nDid you mean dev\?/],
    ['delete-context of an unknown name', ['config', 'delete-context', 'prd', '--yes'], 4, /^Error: no context named 'prd'/],
    ['delete-context without a terminal or --yes', ['config', 'delete-context', 'dev'], 2, /^Error: Delete context 'dev': confirmation needed/],
    ['use-context of a bad name', ['config', 'use-context', 'a b'], 2, /^Error: context name 'a b' may hold only/],
  ]

  it.each(cases)('%s', async (_name, args, exitCode, message) => {
    await run(['config', 'set-context', 'dev', '--store', '/srv/dev.db'])
    const before = fileBytes(configFile())
    const result = await run(args)
    expect(result.code).toBe(exitCode)
    expect(result.stderr).toMatch(message)
    expectNoStackTrace(result)
    expect(fileBytes(configFile())).toBe(before)
    const asJson = await json<ErrorJson>(args)
    expect(asJson.json.error.exitCode).toBe(exitCode)
  })

  it('a credential file that is not 0600, a symbolic link, empty or of the other kind is refused at set-context', async () => {
    writeFileSync(join(root, 'loose.token'), 'eyJa.eyJb.c\n', {mode: 0o644})
    chmodSync(join(root, 'loose.token'), 0o644)
    writeFileSync(join(root, 'real.token'), 'eyJa.eyJb.c\n', {mode: 0o600})
    symlinkSync(join(root, 'real.token'), join(root, 'link.token'))
    writeFileSync(join(root, 'empty.token'), ' \n', {mode: 0o600})
    writeFileSync(join(root, 'key.token'), 'acak_abc\n', {mode: 0o600})
    const refusals: Array<[string[], RegExp]> = [
      [['--token-file', 'loose.token'], /loose\.token of context dev is open to other users \(mode 0644\): it is not read\n.*chmod 600 .*loose\.token/],
      [['--token-file', 'link.token'], /link\.token of context dev is a symbolic link/],
      [['--token-file', 'empty.token'], /empty\.token of context dev is empty/],
      [['--token-file', 'key.token'], /key\.token of context dev does not hold a token but an admin key\nName it with --admin-key-file/],
      [['--admin-key-file', 'real.token'], /real\.token of context dev does not hold an admin key but a token/],
    ]
    for (const [flags, message] of refusals) {
      const result = await run(['config', 'set-context', 'dev', '--store', 'dev.db', ...flags])
      expect(result.code, flags.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(fileBytes(configFile())).toBeUndefined()
    }
  })
})

describe('a config file accessctl does not trust is not read', () => {
  const write = (text: string, fileMode = 0o600) => {
    mkdirSync(join(root, 'config', 'accessctl'), {recursive: true, mode: 0o700})
    writeFileSync(configFile(), text, {mode: fileMode})
    chmodSync(configFile(), fileMode)
  }

  it('group-writable: refused with exit 2 by every command, naming the file and the fix', async () => {
    write('contexts: []\n', 0o664)
    for (const args of [['config', 'get-contexts'], ['auth', 'whoami']]) {
      const result = await run(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr).toBe(`Error: the config file ${configFile()} may be written by other users (mode 0664): it is not read\nIt picks the store and credential of every command: chmod 600 ${configFile()}\n`)
    }
  })

  it('in a folder that others may write: refused with exit 2 when read, as when written', async () => {
    write('contexts: []\n')
    const folder = join(root, 'config', 'accessctl')
    for (const folderMode of [0o770, 0o777]) {
      chmodSync(folder, folderMode)
      for (const args of [['config', 'get-contexts'], ['auth', 'whoami'], ['config', 'set-context', 'x', '--store', 'x.db']]) {
        const result = await run(args)
        expect(result.code, args.join(' ')).toBe(2)
        expect(result.stderr).toBe(
          `Error: the config folder ${folder} may be written by other users (mode 0${folderMode.toString(8)})\nAnother user could replace the config file in it: chmod 700 ${folder}\n`,
        )
      }
    }

    expect(fileBytes(configFile())).toBe('contexts: []\n')
  })

  it('a symbolic link, or a folder in its place: refused', async () => {
    mkdirSync(join(root, 'config', 'accessctl'), {recursive: true})
    writeFileSync(join(root, 'elsewhere.yaml'), 'contexts: []\n', {mode: 0o600})
    symlinkSync(join(root, 'elsewhere.yaml'), configFile())
    const linked = await run(['auth', 'whoami'])
    expect(linked.code).toBe(2)
    expect(linked.stderr).toMatch(/^Error: the config file .* is a symbolic link/)
    rmSync(configFile())
    mkdirSync(configFile())
    const folder = await run(['config', 'get-contexts'])
    expect(folder.code).toBe(2)
    expect(folder.stderr).toMatch(/^Error: the config file .* is not a regular file/)
  })

  it('broken YAML, an unknown key, a relative path: refused with the line', async () => {
    const broken: Array<[string, RegExp]> = [
      ['contexts: [\n', /^Error: line 2 of .*config\.yaml is not valid YAML/],
      ['contexts:\n  - name: dev\n    store: /srv/dev.db\n    token: eyJhbGci\n', /^Error: line 4 of .*config\.yaml: unknown key 'token' in a context; known keys: name, store, token-file, admin-key-file/],
      ['current-context: dev\nextra: 1\n', /^Error: line 2 of .*: unknown key 'extra' in the file/],
      ['contexts:\n  - name: dev\n    store: dev.db\n', /^Error: line 3 of .*: store of context 'dev' is not absolute/],
      ['contexts:\n  - name: dev\n    store: /a\n  - name: dev\n    store: /b\n', /^Error: line 4 of .*: context 'dev' is there twice/],
      ['contexts:\n  - name: dev\n    name: dup\n', /^Error: line 3 of .* is not valid YAML: Map keys must be unique/],
    ]
    for (const [text, message] of broken) {
      write(text)
      const result = await run(['auth', 'whoami'])
      expect(result.code, text).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stderr).toContain('Fix the file, or remove it to start again')
      expectNoStackTrace(result)
    }
  })

  it('a config file larger than 256 KiB is refused', async () => {
    write(`# ${'x'.repeat(256 * 1024)}\n`)
    const result = await run(['config', 'get-contexts'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error: the config file .* is larger than 256 KiB/)
  })

  it.skipIf(process.getuid?.() !== 0)("another user's config file is refused, even 0600", async () => {
    write('contexts: []\n')
    const {chownSync} = await import('node:fs')
    chownSync(configFile(), 65_534, 65_534)
    const result = await run(['config', 'get-contexts'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/^Error: the config file .* belongs to uid 65534, not to this user \(uid 0\): it is not read/)
  })
})

it('runs without any config file: no context, the defaults', async () => {
  const result = await runCli(['config', 'get-contexts', '--json'], {env: {XDG_CONFIG_HOME: join(root, 'nowhere')}})
  expect(JSON.parse(result.stdout)).toEqual({currentContext: null, items: []})
  expect(existsSync(join(root, 'nowhere'))).toBe(false)
})
