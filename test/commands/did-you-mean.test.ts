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
