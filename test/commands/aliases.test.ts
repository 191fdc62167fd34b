import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {aliasTable} from '../../src/cli/aliases.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {countRows} from '../helpers/store.js'

describe('aliases, help and unknown commands through the CLI', () => {
  let dir: TempDir
  const run = (args: string[]) => runCli(args, {store: dir.storePath})
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(() => dir.cleanup())

  it('answers every alias spelling with the help of the command or topic it stands for', async () => {
    const canonicalHelp = new Map<string, string>()
    for (const {alias, canonical} of aliasTable()) {
      const key = canonical.join(' ')
      if (!canonicalHelp.has(key)) canonicalHelp.set(key, (await run([...canonical, '--help'])).stdout)
      const result = await run([...alias, '--help'])
      expect(result.code, alias.join(' ')).toBe(0)
      expect(result.stdout, alias.join(' ')).toBe(canonicalHelp.get(key))
      expect(result.stdout).toMatch(/USAGE/)
    }
  })

  it('runs commands under their aliases: the same result, the same store', async () => {
    const created = await runJson<{id: string}>(['account', 'create', '-n', 'alice'], {store: dir.storePath})
    expect(created.code).toBe(0)
    const viaAlias = await runJson<unknown>(['account', 'get', '-i', created.json.id], {store: dir.storePath})
    const viaName = await runJson<unknown>(['accounts', 'get', '-i', created.json.id], {store: dir.storePath})
    expect(viaAlias.json).toEqual(viaName.json)
    expect((await run(['group', 'create', 'devops'])).code).toBe(0)
    expect((await runJson<{items?: unknown[]}>(['groups', 'get', 'devops'], {store: dir.storePath})).code).toBe(0)
    expect((await run(['infrastructures', 'list'])).code).toBe(0)
    expect((await run(['token', 'role', 'list'])).stdout).toMatch(/AuditDeveloper/)
    // An argument that is an alias word stays an argument.
    const missing = await runJson<ErrorJson>(['service', 'get', 'versions'], {store: dir.storePath})
    expect(missing.code).toBe(4)
    expect(missing.json.error.message).toMatch(/versions/)
  })

  it('-h is help everywhere: the root, topics, commands, aliases; and help WORDS is WORDS --help', async () => {
    const cases = [[], ['accounts'], ['tokens', 'keys'], ['tokens', 'create'], ['service', 'permissions', 'set'], ['store', 'lock']]
    for (const words of cases) {
      const long = await run([...words, '--help'])
      const short = await run([...words, '-h'])
      const viaHelp = await run(['help', ...words])
      expect(long.code, words.join(' ')).toBe(0)
      expect(short.stdout, words.join(' ')).toBe(long.stdout)
      expect(viaHelp.stdout, words.join(' ')).toBe(long.stdout)
      expect(viaHelp.code).toBe(0)
    }

    expect((await run(['help', 'token', 'create'])).stdout).toBe((await run(['tokens', 'create', '--help'])).stdout)
    expect((await run(['accounts', 'delete', '-i', 'x', '-h'])).stdout).toMatch(/USAGE\n\s+\$ accessctl accounts delete/)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('an unknown command: a usage error (exit 2) with the nearest commands, as JSON with --json', async () => {
    const human = await run(['tokn', 'create'])
    expect(human.code).toBe(2)
    expect(human.stdout).toBe('')
    expect(human.stderr).toMatch(/^Error: unknown command: 'tokn create'\nDid you mean 'accessctl tokens create'/)
    expectNoStackTrace(human)

    const json = await runJson<ErrorJson & {error: {hint: string}}>(['acount', 'get', '-i', 'x'], {store: dir.storePath})
    expect(json.code).toBe(2)
    expect(json.json.error).toMatchObject({code: 'invalid_input', exitCode: 2, message: "unknown command: 'acount get'"})
    expect(json.json.error.hint).toMatch(/^Did you mean 'accessctl accounts get'/)

    const inTopic = await runJson<ErrorJson & {error: {hint: string}}>(['groups', 'ad-member'], {store: dir.storePath})
    expect(inTopic.code).toBe(2)
    expect(inTopic.json.error.hint).toMatch(/^Did you mean 'accessctl groups add-member'\?/)

    const far = await run(['frobnicate'])
    expect(far.code).toBe(2)
    expect(far.stderr).toBe("Error: unknown command: 'frobnicate'\nSee accessctl --help for the commands.\n")
    const unknownHelp = await run(['help', 'frobnicate'])
    expect(unknownHelp.code).not.toBe(0)
  })
})
