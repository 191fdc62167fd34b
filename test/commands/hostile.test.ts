import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync} from 'node:fs'
import {join} from 'node:path'
import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, cliCommand, expectNoStackTrace, runCli, type TempDir, tempDir} from '../helpers/cli.js'
import {countRows} from '../helpers/store.js'

const DOCUMENTED_EXIT_CODES = [0, 2, 3, 4, 5, 6]

function expectCleanFailure(result: CliResult, exitCode?: number): void {
  expectNoStackTrace(result)
  expect(DOCUMENTED_EXIT_CODES, result.stderr).toContain(result.code)
  if (exitCode !== undefined) expect(result.code, result.stderr).toBe(exitCode)
  expect(result.stderr + result.stdout).not.toMatch(/internal error/)
}

describe('hostile input', () => {
  let dir: TempDir
  let account: string
  beforeAll(async () => {
    dir = tempDir()
    account = JSON.parse((await runCli(['accounts', 'create', '-n', 'alice', '--json'], {store: dir.storePath})).stdout).id
  })
  afterAll(() => dir.cleanup())
  const run = (args: string[], input?: string | Buffer) => runCli(args, {store: dir.storePath, input})

  it('1 MB names: refused with exit 2 from stdin, and as long an argument as the OS allows', async () => {
    const huge = 'x'.repeat(1024 * 1024)
    expectCleanFailure(await run(['accounts', 'import', '-'], JSON.stringify({name: huge})), 2)
    expectCleanFailure(await run(['accounts', 'import', '-'], `- ${huge}\n`), 2)
    expectCleanFailure(await run(['tokens', 'create', '-c', '-'], `account: ${huge}\ngrants: []\n`))
    // Linux caps one argument at 128 KiB; just under it still gets a clear answer.
    expectCleanFailure(await run(['accounts', 'create', '-n', 'y'.repeat(120_000)]), 2)
    expectCleanFailure(await run(['groups', 'create', 'z'.repeat(120_000)]), 2)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('binary garbage on stdin', async () => {
    const garbage = Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 256))
    expectCleanFailure(await run(['tokens', 'create', '-c', '-'], garbage), 2)
    expectCleanFailure(await run(['accounts', 'import', '-'], garbage), 2)
    expectCleanFailure(await run(['tokens', 'verify', '-'], garbage), 3)
    expectCleanFailure(await run(['admin-key', 'verify'], garbage), 3)
  })

  it('SQL-looking and control-character names are stored literally', async () => {
    for (const name of ["x'); DROP TABLE accounts; --", 'a\nb\tc', '\u001b[2J', '%_*']) {
      const created = await run(['accounts', 'create', '-n', name, '--json'])
      expect(created.code).toBe(0)
      expect(JSON.parse(created.stdout).name).toBe(name)
    }

    expect(countRows(dir.storePath, 'accounts', "name = 'x''); DROP TABLE accounts; --'")).toBe(1)
    // LIKE-style wildcards in a filter are not wildcards.
    expect((await run(['accounts', 'get', '-n', '%'])).code).toBe(4)
  })

  it('wrong types and unknown keys in a token policy', async () => {
    expectCleanFailure(await run(['tokens', 'create', '-c', '-'], `account: ${account}\ngrants: nope\n`), 2)
    expectCleanFailure(await run(['tokens', 'create', '-c', '-'], `account: ${account}\ngrants:\n- resources: datasets\n  functions: [get]\n  accounts: [test]\n`), 2)
    expectCleanFailure(await run(['tokens', 'create', '-c', '-'], `account: ${account}\nadmin: true\ngrants: []\n`), 2)
    expectCleanFailure(await run(['tokens', 'create', '-c', '-'], `account: ${account}\ngrants:\n- resources: [datasets\n`), 2)
  })

  it('a read-only store is exit 6 with a clear message, for a user who may not write it', async () => {
    if (process.getuid?.() !== 0) return // needs root to act as another user; CI runs as root
    const readonlyDir = tempDir('accessctl-ro-')
    try {
      chmodSync(readonlyDir.path, 0o755)
      await runCli(['accounts', 'create', '-n', 'alice'], {store: readonlyDir.storePath})
      chmodSync(readonlyDir.storePath, 0o644)
      const {file, prefix} = cliCommand()
      // runuser sets HOME to nobody's (/nonexistent), so the single executable needs a cache folder nobody may
      // write to extract its SQLite addon into; otherwise it fails on that before it reaches the store.
      const nobodyCache = join(readonlyDir.path, 'cache')
      mkdirSync(nobodyCache, {mode: 0o777})
      chmodSync(nobodyCache, 0o777)
      const asNobody = (args: string[]) => {
        const result = spawnSync('runuser', ['-u', 'nobody', '--', file, ...prefix, ...args], {
          env: {...process.env, ACCESSCTL_STORE: readonlyDir.storePath, HOME: '/tmp', XDG_CACHE_HOME: nobodyCache, NO_COLOR: '1'},
        })
        return {code: result.status ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString()}
      }

      const write = asNobody(['accounts', 'create', '-n', 'bob'])
      expectCleanFailure(write, 6)
      expect(write.stderr).toMatch(/read-only|cannot be opened|not permitted/)
      expect(countRows(readonlyDir.storePath, 'accounts')).toBe(1)
    } finally {
      readonlyDir.cleanup()
    }
  })

  it('random arguments to every topic never crash (fuzzed)', async () => {
    const word = fc.oneof(
      fc.constantFrom('accounts', 'groups', 'tokens', 'store', 'audit', 'admin-key', 'create', 'get', 'list', 'delete', 'verify', 'check', '-n', '-i', '-f', '-r', '-a', '-c', '-', '--json', '--limit', '--role', '--ttl', '--yes', account),
      fc.string({maxLength: 12}).filter((s) => !s.includes('\u0000')),
      fc.integer({min: -5, max: 100_000}).map(String),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(word, {minLength: 1, maxLength: 6}), async (args) => {
        const safe = args.filter((a) => !['--yes', 'backup', 'lock'].includes(a))
        const result = await run(safe, '')
        expectNoStackTrace(result)
        expect(DOCUMENTED_EXIT_CODES, `${safe.join(' ')}\n${result.stderr}`).toContain(result.code)
      }),
      {numRuns: 40},
    )
  }, 300_000)
})
