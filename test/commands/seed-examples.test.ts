import {execFile} from 'node:child_process'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cliCommand, PROJECT_ROOT, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {KEYS, PtySession} from '../helpers/pty.js'
import {countRows} from '../helpers/store.js'
import {insertAccount} from '../helpers/tokens.js'

// Copies of the seed documents (shared/seeds), kept verbatim.
const SEEDS = join(PROJECT_ROOT, 'test', 'fixtures', 'seeds')
const ACCOUNT_SEED = readFileSync(join(SEEDS, '000_9aae57858dac2905.txt'), 'utf8')
const API_NODE_SEED = readFileSync(join(SEEDS, '003_22802bde0d1f103b.txt'), 'utf8')

/**
 * Every command line of the seed documents, with the seed's program (`python3 -m dyff.api.mgmt`,
 * `./bin/apinode-admin`) replaced by `accessctl`; a heredoc keeps the lines up to its end marker.
 */
function seedCommands(text: string, program: RegExp): string[] {
  const lines = text.split('\n')
  const commands: string[] = []
  for (let index = 0; index < lines.length; index++) {
    const match = program.exec(lines[index])
    if (!match) continue
    let command = `accessctl${match[1]}`
    const heredoc = /<<(\w+)$/.exec(command)
    if (heredoc) {
      const end = lines.indexOf(heredoc[1], index + 1)
      // The seed file ends right after the marker, without a newline.
      const body = lines.slice(index + 1, end === -1 ? lines.length : end + 1)
      command = [command, ...body].join('\n')
      index += body.length
    }

    commands.push(command)
  }

  return commands
}

const accountCommands = seedCommands(ACCOUNT_SEED, /^(?:\$ )?python3 -m dyff\.api\.mgmt(.*)$/)
const apiNodeCommands = seedCommands(API_NODE_SEED, /^\.\/bin\/apinode-admin(.*)$/)
const SEED_ACCOUNT = 'aeb78193c526484fa4f5c14d182ba039'
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/

describe('the seed documents’ examples, run as written with accessctl', () => {
  let dir: TempDir
  let shim: string
  /** Runs one seed command line in a shell, where `accessctl` is the program under test. */
  const shell = async (command: string) => {
    try {
      const {stdout, stderr} = await promisify(execFile)('/bin/bash', ['-c', command], {
        cwd: dir.path,
        env: {...process.env, PATH: `${shim}:${process.env.PATH}`, ACCESSCTL_STORE: dir.storePath, NO_COLOR: '1', ACCESSCTL_TOKEN: '', ACCESSCTL_ADMIN_KEY: ''},
      })
      return {code: 0, stdout, stderr}
    } catch (error) {
      const failed = error as {code: number; stdout: string; stderr: string}
      return {code: failed.code, stdout: failed.stdout, stderr: failed.stderr}
    }
  }

  beforeAll(async () => {
    dir = tempDir()
    shim = join(dir.path, 'bin')
    mkdirSync(shim)
    const {file, prefix} = cliCommand()
    const quoted = [file, ...prefix].map((word) => `'${word}'`).join(' ')
    writeFileSync(join(shim, 'accessctl'), `#!/bin/sh\nunset ACCESSCTL_TOKEN ACCESSCTL_ADMIN_KEY\nexec ${quoted} "$@"\n`)
    chmodSync(join(shim, 'accessctl'), 0o755)
    // The accounts the seed's token examples name: an account by id, and `test` by name.
    await runJson(['accounts', 'create', '-n', 'test'], {store: dir.storePath})
    insertAccount(dir.storePath, SEED_ACCOUNT, 'seed account')
    // The seed shows policy.yaml, then passes config.yaml: the same document.
    const policy = /policy\.yaml\n([\s\S]*?)\n\nThen pass/.exec(ACCOUNT_SEED)![1]
    writeFileSync(join(dir.path, 'config.yaml'), `${policy}\n`)
  })
  afterAll(() => dir.cleanup())

  it('finds every example of both seeds', () => {
    expect(accountCommands).toHaveLength(6)
    expect(apiNodeCommands).toEqual(['accessctl admin-key-create', 'accessctl admin-keys-list', 'accessctl admin-key-delete KEY'])
  })

  it('account management (seed 000): the entry point, accounts create and the four ways to create a token', async () => {
    const [entryPoint, create, ...tokens] = accountCommands
    expect(entryPoint).toBe('accessctl')
    const help = await shell(entryPoint)
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/USAGE\n\s+\$ accessctl COMMAND\n/)
    expect(help.stdout).toContain('accessctl accounts create -n erin@example.com')

    const created = await shell(create)
    expect(created.code, created.stderr).toBe(0)
    const name = /-n (.+)$/.exec(create)![1]
    // The name as the seed has it, non-breaking space included.
    expect(/^created account: '(.+)' \([0-9a-f]{32}\)\n$/.exec(created.stdout)?.[1]).toBe(name)

    expect(tokens).toHaveLength(4)
    for (const command of tokens) {
      const result = await shell(command)
      expect(result.code, `${command}\n${result.stderr}`).toBe(0)
      expect(result.stdout.trim(), command).toMatch(JWT)
      const verified = await runJson<{valid: boolean; sub: string}>(['tokens', 'verify', result.stdout.trim()], {store: dir.storePath})
      expect(verified.json).toMatchObject({valid: true})
    }
  })

  it('the API node’s admin-key tool (seed 003): create, list, delete KEY', async () => {
    const [create, list, remove] = apiNodeCommands
    const created = await shell(create)
    expect(created.code, created.stderr).toBe(0)
    const key = created.stdout.trim()
    expect(key).toMatch(/^acak_[\w-]{43}$/)
    const id = (await runJson<{id: string}>(['admin-key', 'verify', key], {store: dir.storePath})).json.id

    const listed = await shell(list)
    expect(listed.code).toBe(0)
    // A table: tab-separated rows without a header when stdout is not a terminal.
    expect(listed.stdout).toMatch(new RegExp(`^${id}\t`, 'm'))
    expect(listed.stdout).not.toContain(key)

    // On a terminal it asks, as every delete does; in a script it needs --yes and deletes nothing without it.
    const unconfirmed = await shell(`${remove.replace('KEY', key)}`)
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toMatch(/Pass --yes/)
    expect(countRows(dir.storePath, 'admin_keys')).toBe(1)
    const [program, ...args] = remove.replace('KEY', key).split(' ')
    expect(program).toBe('accessctl')
    const session = new PtySession(args, {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor(`Delete admin key ${id}`)
    session.type(`y${KEYS.enter}`)
    expect(await session.exit()).toBe(0)
    expect(session.text).toContain(`deleted admin key ${id}`)
    expect(countRows(dir.storePath, 'admin_keys')).toBe(0)

    const again = await shell(`${remove.replace('KEY', id)} --yes`)
    expect(again.code).toBe(4)
  })

  it('the seed command names answer --help and --json as the commands they stand for', async () => {
    const help = await shell('accessctl admin-key-create --help')
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('$ accessctl admin-key create')
    const json = await shell('accessctl admin-keys-list --json')
    expect(JSON.parse(json.stdout)).toEqual({items: [], limit: 100, offset: 0, nextOffset: null})
  })
})
