import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {PtySession} from '../helpers/pty.js'

interface ManifestCommand {
  id: string
  summary?: string
  description?: string
  examples?: string[]
  pluginName?: string
  flags: Record<string, unknown>
}

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, ManifestCommand>
}
const ownCommands = Object.values(manifest.commands).filter((command) => command.pluginName === 'accessctl')

describe('every command', () => {
  it('is in the manifest', () => {
    expect(ownCommands.map((c) => c.id)).toEqual(expect.arrayContaining(['accounts:create', 'groups:list', 'store:backup']))
  })

  it.each(ownCommands.map((c) => [c.id, c] as const))('%s has a description, examples and --json', (_id, command) => {
    expect(command.summary ?? command.description).toBeTruthy()
    expect(command.examples?.length ?? 0).toBeGreaterThan(0)
    expect(command.flags).toHaveProperty('json')
    // The config commands edit the contexts file and never open a store: no variable (ACCESSCTL_STORE, ACCESSCTL_CONTEXT)
    // may change what they write, so none of their flags reads the environment (set-context's --store is the context's).
    if (command.id.startsWith('config:')) {
      expect(command.flags).not.toHaveProperty('context')
      for (const [name, flag] of Object.entries(command.flags as Record<string, {env?: string}>)) expect(flag.env, name).toBeUndefined()
    } else expect(command.flags).toHaveProperty('store')
  })

  it('shows help with examples', async () => {
    const result = await runCli(['accounts', 'create', '--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/EXAMPLES/)
    expect(result.stdout).toMatch(/accessctl accounts create -n erin@example.com/)
  })

  it('prints the version', async () => {
    const result = await runCli(['--version'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^accessctl\/\d+\.\d+\.\d+/)
  })

  it('answers an unknown command with exit 2', async () => {
    const result = await runCli(['nosuch', 'thing'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe("Error: unknown command: 'nosuch thing'\nSee accessctl --help for the commands.\n")
  })

  it('answers an argument to a command that takes none with exit 2, in JSON with --json (it was plain text)', async () => {
    const plain = await runCli(['store', 'info', 'extra'])
    expect(plain.code).toBe(2)
    expect(plain.stderr).toMatch(/^Error: unexpected argument for 'store info': 'extra'\n/)
    const json = await runJson<{error: {code: string; message: string; exitCode: number}}>(['store', 'info', 'extra'])
    expect(json.code).toBe(2)
    expect(json.stderr).toBe('')
    expect(json.json.error).toMatchObject({code: 'invalid_input', exitCode: 2, message: "unexpected argument for 'store info': 'extra'"})
  })
})

describe('output', () => {
  let dir: TempDir
  beforeAll(async () => {
    dir = tempDir()
    // The reads below need a store: a command that only reads never creates one (issue 13.5).
    expect((await runCli(['groups', 'create', 'placeholder'], {store: dir.storePath})).code).toBe(0)
  })
  afterAll(() => dir.cleanup())

  it('--json errors are one JSON document on stdout and nothing on stderr', async () => {
    const result = await runJson<{error: unknown}>(['accounts', 'get', '-n', 'nobody'], {store: dir.storePath})
    expect(result.code).toBe(4)
    expect(result.json).toEqual({error: {code: 'not_found', message: "no account named 'nobody'", exitCode: 4}})
    expect(result.stderr).toBe('')
  })

  it('shows a stack trace only with DEBUG=accessctl', async () => {
    const plain = await runCli(['accounts', 'get', '-n', 'nobody'], {store: dir.storePath})
    expect(plain.stderr).toBe("Error: no account named 'nobody'\n")
    const debug = await runCli(['accounts', 'get', '-n', 'nobody'], {store: dir.storePath, env: {DEBUG: 'accessctl'}})
    expect(debug.stderr).toMatch(/\n\s+at /)
  })

  it('colours errors on a terminal, and not with NO_COLOR', async () => {
    const coloured = new PtySession(['accounts', 'get', '-n', 'nobody'], {ACCESSCTL_STORE: dir.storePath, NO_COLOR: ''})
    expect(await coloured.exit()).toBe(4)
    const plain = new PtySession(['accounts', 'get', '-n', 'nobody'], {ACCESSCTL_STORE: dir.storePath, NO_COLOR: '1'})
    expect(await plain.exit()).toBe(4)
    // The raw output keeps the escape sequences that .text strips.
    expect((coloured as unknown as {output: string}).output).toContain('\u001B[31mError:')
    expect((plain as unknown as {output: string}).output).not.toContain('\u001B[')
  })

  it('aligns columns with a header on a terminal', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    const session = new PtySession(['accounts', 'list'], {ACCESSCTL_STORE: dir.storePath})
    expect(await session.exit()).toBe(0)
    expect(session.text).toMatch(/ID\s+NAME\s+CREATED/)
  })
})
