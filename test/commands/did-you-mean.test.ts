import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, expectNoStackTrace, runCli, type TempDir, tempDir} from '../helpers/cli.js'
import {countRows} from '../helpers/store.js'

interface ErrorDocument {
  error: {code: string; message: string; exitCode: number; hint?: string}
}

/** Issue 20, item 4: a mistyped flag or name is answered with the nearest ones the caller could have meant. */
describe('did you mean', () => {
  let dir: TempDir
  const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, {store: dir.storePath, env})

  beforeAll(async () => {
    dir = tempDir()
    const created = await runCli(['accounts', 'create', '-n', 'alice@example.com'], {store: dir.storePath})
    expect(created.code, created.stderr).toBe(0)
  })
  afterAll(() => dir.cleanup())

  describe('unknown flags', () => {
    it.each([
      [['groups', 'list', '--limt', '5'], "unknown flag: '--limt'", 'Did you mean --limit?'],
      [['groups', 'list', '--ofset=2'], "unknown flag: '--ofset=2'", 'Did you mean --offset?'],
      [['accounts', 'list', '--jsn'], "unknown flag: '--jsn'", 'Did you mean --json?'],
      [['accounts', 'create', '--nme', 'bob@example.com'], "unknown flag: '--nme'", 'Did you mean --name?'],
      [['accounts', 'create', '-N', 'bob@example.com'], "unknown flag: '-N'", 'Did you mean -n?'],
      [['groups', 'list', '-limit', '5'], "unknown flag: '-limit'", 'Did you mean --limit?'],
      [['tokens', 'create', '--funcion', 'get'], "unknown flag: '--funcion'", 'Did you mean --function or --functions?'],
      [['store', 'check', '--tokn', 'x'], "unknown flag: '--tokn'", 'Did you mean --token?'],
    ])('%j', async (args, message, suggestion) => {
      const before = countRows(dir.storePath, 'accounts')
      const result = await run(args)
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toBe(`Error: ${message}\n${suggestion} See --help for the flags and examples.\n`)
      expectNoStackTrace(result)
      expect(countRows(dir.storePath, 'accounts')).toBe(before)
    })

    it('names the flag each suggestion is for when several are unknown', async () => {
      const result = await run(['groups', 'list', '--limt', '5', '--xyzzyq'])
      expect(result.code).toBe(2)
      expect(result.stderr).toContain("Did you mean --limit for '--limt'?")
      expect(result.stderr).not.toContain('xyzzyq\'?')
    })

    it('suggests nothing when no flag is near', async () => {
      for (const args of [['groups', 'list', '--xyzzyq'], ['accounts', 'list', '-x']]) {
        const result = await run(args)
        expect(result.code).toBe(2)
        expect(result.stderr).not.toContain('Did you mean')
        expect(result.stderr).toContain('See --help for the flags and examples.')
      }
    })

    it('puts the suggestion in the hint of the --json error', async () => {
      const result = await run(['groups', 'list', '--limt', '5', '--json'])
      expect(result.code).toBe(2)
      const document = JSON.parse(result.stdout) as ErrorDocument
      expect(document).toEqual({
        error: {code: 'invalid_input', message: "unknown flag: '--limt'", exitCode: 2, hint: 'Did you mean --limit? See --help for the flags and examples.'},
      })
    })

    it('answers the same to a caller with a token, before any credential is read', async () => {
      const result = await run(['groups', 'list', '--limt', '5'], {ACCESSCTL_TOKEN: 'not-a-token'})
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('Did you mean --limit?')
    })
  })
})

describe('did you mean, for names', () => {
  let dir: TempDir
  let frankToken: string
  const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, {store: dir.storePath, env})

  beforeAll(async () => {
    dir = tempDir()
    const setup = `apiVersion: accessctl/v1
groups:
  - name: builders
    mayCreateServices: true
accounts:
  - name: alice@example.com
    groups: [builders]
  - name: frank@example.com
services:
  - id: churn
    owner: alice@example.com
    public: false
infrastructures:
  - id: prod-eu
    stage: Production
`
    const applied = await runCli(['apply', '-f', '-'], {store: dir.storePath, input: setup})
    expect(applied.code, applied.stderr).toBe(0)
    frankToken = (await run(['tokens', 'create', '-i', 'frank@example.com', '--role', 'Admin'])).stdout.trim()
    expect(frankToken.split('.')).toHaveLength(3)
  })
  afterAll(() => dir.cleanup())

  it.each([
    [['service', 'get', 'chrun'], "no service with id 'chrun'", 'Did you mean churn?'],
    [['infra', 'get', 'prod-ue'], "no infrastructure with id 'prod-ue'", 'Did you mean prod-eu?'],
    [['groups', 'get', 'bilders'], "no group named 'bilders'", 'Did you mean builders?'],
    [['accounts', 'get', '-n', 'alise@example.com'], "no account named 'alise@example.com'", 'Did you mean alice@example.com?'],
  ])('%j', async (args, message, hint) => {
    const result = await run(args)
    expect(result.code).toBe(4)
    expect(result.stderr).toBe(`Error: ${message}\n${hint}\n`)
    const json = JSON.parse((await run([...args, '--json'])).stdout) as ErrorDocument
    expect(json.error).toEqual({code: 'not_found', message, exitCode: 4, hint})
  })

  it('gives no hint for a far name', async () => {
    const result = await run(['service', 'get', 'billing'])
    expect(result.code).toBe(4)
    expect(result.stderr).toBe("Error: no service with id 'billing'\n")
  })

  it('never names an object the caller may not see', async () => {
    for (const args of [['service', 'get', 'chrun'], ['service', 'get', 'churn'], ['groups', 'get', 'bilders']]) {
      const result = await run(args, {ACCESSCTL_TOKEN: frankToken})
      expect(result.code, result.stderr).not.toBe(0)
      expect(result.stderr).not.toContain('Did you mean')
      expect(result.stderr).not.toContain('churn?')
    }
  })
})
