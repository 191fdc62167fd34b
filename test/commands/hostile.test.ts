import Database from 'better-sqlite3'
import {execFileSync, spawnSync} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {accountNameKey} from '../../src/core/names.js'
import {type CliResult, expectNoStackTrace, PROJECT_ROOT, runCli, runCliWithEndlessStdin, type TempDir, tempDir} from '../helpers/cli.js'
import {NOBODY, otherUserCliOrStop, otherUserEnv} from '../helpers/other-user.js'
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

  it('SQL-looking names are stored literally; control-character names are refused (exit 2), nothing written', async () => {
    for (const name of ["x'); DROP TABLE accounts; --", '%_*']) {
      const created = await run(['accounts', 'create', '-n', name, '--json'])
      expect(created.code).toBe(0)
      expect(JSON.parse(created.stdout).name).toBe(name)
    }

    const before = countRows(dir.storePath, 'accounts')
    for (const name of ['a\nb\tc', '\u001b[2J']) {
      const refused = await run(['accounts', 'create', '-n', name])
      expectCleanFailure(refused, 2)
      expect(refused.stderr).toMatch(/cannot hold U\+00(0A|1B)/)
      expect(refused.stderr).not.toMatch(RAW_CONTROL)
    }

    expect(countRows(dir.storePath, 'accounts')).toBe(before)
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

  it('a read-only store is exit 6 with a clear message, for a user who may not write it', async (context) => {
    // Needs root to act as another user, and a program that user can reach (a copy of it if the checkout is not).
    const program = otherUserCliOrStop(context)
    const readonlyDir = tempDir('accessctl-ro-')
    try {
      chmodSync(readonlyDir.path, 0o755)
      await runCli(['accounts', 'create', '-n', 'alice'], {store: readonlyDir.storePath})
      chmodSync(readonlyDir.storePath, 0o644)
      const asNobody = (args: string[]) => {
        const result = spawnSync('runuser', ['-u', NOBODY.name, '--', program.file, ...program.prefix, ...args], {
          cwd: program.cwd,
          env: otherUserEnv(program.cwd, {ACCESSCTL_STORE: readonlyDir.storePath}),
        })
        return {code: result.status ?? -1, stdout: result.stdout.toString(), stderr: result.stderr.toString()}
      }

      const write = asNobody(['accounts', 'create', '-n', 'bob'])
      expectCleanFailure(write, 6)
      expect(write.stderr).toMatch(/read-only|cannot be opened|not permitted/)
      expect(countRows(readonlyDir.storePath, 'accounts')).toBe(1)
    } finally {
      readonlyDir.cleanup()
      program.cleanup()
    }
  })

  it('random arguments to every topic never crash (fuzzed)', async () => {
    const specials = tempDir('accessctl-specials-')
    const fifo = join(specials.path, 'fifo')
    execFileSync('mkfifo', [fifo])
    try {
      const word = fc.oneof(
        fc.constantFrom('accounts', 'groups', 'tokens', 'store', 'audit', 'admin-key', 'create', 'get', 'list', 'delete', 'verify', 'check', 'import', '-n', '-i', '-f', '-r', '-a', '-c', '-', '--json', '--limit', '--offset', '--role', '--ttl', '--since', '--token', '--admin-key', '--yes', account),
        fc.string({maxLength: 12}).filter((s) => !s.includes('\u0000')),
        fc.integer({min: -5, max: 100_000}).map(String),
        // Huge numbers, as integers, exponents and durations.
        fc.constantFrom('9223372036854775807', '18446744073709551616', '1e400', '-0', '99999999999999999999w', '999999999d', '0s'),
        fc.bigInt({min: 2n ** 53n, max: 2n ** 80n}).map(String),
        // Control characters and empty or blank values.
        fc.constantFrom('', ' ', '\t', '\u001B[2J', 'a\nb', '\u202Eevil', '\u0085', '\u2028'),
        // Special files where files are expected.
        fc.constantFrom(fifo, '/dev/zero', '/dev/urandom', specials.path),
      )
      const stdin = fc.constantFrom<{input?: string; stdinFile?: string}>({input: ''}, {input: 'garbage\n'}, {stdinFile: '/dev/zero'})
      await fc.assert(
        fc.asyncProperty(fc.array(word, {minLength: 1, maxLength: 6}), stdin, async (args, input) => {
          const safe = args.filter((a) => !['--yes', 'backup', 'lock'].includes(a))
          const started = Date.now()
          const result = await runCli(safe, {store: dir.storePath, ...input})
          const shown = JSON.stringify(safe)
          expectNoStackTrace(result)
          expect(DOCUMENTED_EXIT_CODES, `${shown}\n${result.stderr}`).toContain(result.code)
          expect(result.stderr + result.stdout, shown).not.toMatch(/internal error/)
          expect(Date.now() - started, `${shown} took too long`).toBeLessThan(30_000)
        }),
        {numRuns: 40},
      )
    } finally {
      specials.cleanup()
    }
  }, 600_000)
})

const KiB = 1024
const MiB = 1024 * KiB
/**
 * What may sit in the pipe, in the writer's own buffer and in the reader's read-ahead when the program stops
 * reading: bounded, whereas a reader without a cap takes hundreds of megabytes. 256 KiB was exceeded by exactly one
 * chunk on a loaded machine, where the child reads ahead further before it stops.
 */
const PIPE_SLACK = 1 * MiB

/** Every control character class that must never reach a terminal or split a piped row. */
const CONTROL_SAMPLES = ['\n', '\t', '\r', '\u001B[2J', '\u0007', '\u007F', '\u0085', '\u009B31m', '\u2028', '\u2029', '\u202E', '\u2066', '\u200F', '\u200B', '\uFEFF', '\u00A0', '\uFE0F']
/** Never printed raw (tab and newline aside, which rows and lines are made of): see src/core/text.ts. */
const RAW_CONTROL = /(?![\t\n])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u

/** Accounts as an older accessctl stored them, before names were checked for invisible characters. */
function insertLegacyAccounts(storePath: string, names: readonly string[]): void {
  const db = new Database(storePath)
  try {
    const insert = db.prepare('INSERT INTO accounts (id, name, name_key, created_at) VALUES (?, ?, ?, ?)')
    db.transaction(() => {
      for (const name of names) insert.run(randomUUID().replaceAll('-', ''), name, accountNameKey(name), '2026-01-01T00:00:00.000Z')
    })()
  } finally {
    db.close()
  }
}

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {
  commands: Record<string, {id: string; pluginName?: string; flags: Record<string, unknown>; args: Record<string, {required?: boolean}>}>
}
const ownCommands = Object.values(manifest.commands).filter((command) => command.pluginName === 'accessctl')
/** The words of a command and a placeholder for each of its required arguments. */
const invocation = (command: (typeof ownCommands)[number]) => [
  ...command.id.split(':'),
  ...Object.values(command.args).filter((arg) => arg.required).map(() => 'x'),
]

describe('hostile input: caps, special files, huge numbers, control characters, empty credentials', () => {
  let dir: TempDir
  let accountId: string
  beforeAll(async () => {
    dir = tempDir()
    accountId = JSON.parse((await runCli(['accounts', 'create', '-n', 'alice', '--json'], {store: dir.storePath})).stdout).id
    await runCli(['groups', 'create', 'devops'], {store: dir.storePath})
  })
  afterAll(() => dir.cleanup())
  const run = (args: string[], options: {input?: string | Buffer; stdinFile?: string; env?: Record<string, string | undefined>} = {}) =>
    runCli(args, {store: dir.storePath, ...options})

  it('7: a huge --offset (or --limit) on every list command is exit 2 naming the flag, not a datatype mismatch', async () => {
    const lists = ownCommands.filter((command) => 'offset' in command.flags)
    expect(lists.length).toBeGreaterThanOrEqual(8)
    for (const command of lists) {
      for (const [flag, value] of [['--offset', '9223372036854775807'], ['--offset', '1000000001'], ['--limit', '18446744073709551616']]) {
        const result = await run([...invocation(command), flag, value])
        expectCleanFailure(result, 2)
        expect(result.stderr, command.id).toContain(flag)
      }
    }

    // The largest offset is still a working page, just an empty one.
    const last = await run(['accounts', 'list', '--offset', '1000000000', '--json'])
    expect(last.code).toBe(0)
    expect(JSON.parse(last.stdout).items).toEqual([])
    // Every list pages now (issue 13.4): 15 of them, three spawns each.
  }, 240_000)

  it('7: huge and zero durations are exit 2 naming the flag that was given', async () => {
    for (const [args, flag] of [
      [['tokens', 'create', '-i', accountId, '--role', 'Admin', '--ttl', '99999999999999999999d'], '--ttl'],
      [['tokens', 'create', '-i', accountId, '--role', 'Admin', '--ttl', '999999999w'], '--ttl'],
      [['admin-key', 'create', '--ttl', '999999999w'], '--ttl'],
      [['audit', 'list', '--since', '999999999w'], '--since'],
      [['audit', 'list', '--since', '0s'], '--since'],
      [['audit', 'list', '--since', '99999999999999999999h'], '--since'],
      [['audit', 'list', '--since', '2026-02-30'], '--since'],
    ] as const) {
      const result = await run([...args])
      expectCleanFailure(result, 2)
      expect(result.stderr).toContain(flag)
      expect(result.stderr).not.toMatch(/\bttl\b/i.test(flag) ? /--since/ : /ttl/)
    }
  })

  it('8: a group named twice in one import entry is merged, not a UNIQUE constraint crash', async () => {
    for (const [input, name] of [
      ['- name: twice-yaml\n  groups: [devops, devops]\n', 'twice-yaml'],
      ['{"name":"twice-jsonl","groups":["devops","devops"]}\n', 'twice-jsonl'],
    ]) {
      const result = await run(['accounts', 'import', '-', '--json'], {input})
      expectNoStackTrace(result)
      expect(result.code, result.stdout).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({imported: 1, memberships: 1})
      expect(countRows(dir.storePath, 'group_members gm JOIN accounts a ON a.id = gm.account_id', 'a.name = ?', name)).toBe(1)
    }

    // Siblings: repeated -g, -i and grant values are one each too.
    expect((await run(['accounts', 'create', '-n', 'twice-flag', '-g', 'devops', '-g', 'devops'])).code).toBe(0)
    expect((await run(['groups', 'add-member', 'devops', '-i', accountId, '-i', `${accountId},${accountId}`])).code).toBe(0)
    const token = await run(['tokens', 'create', '-i', accountId, '-f', 'get,get', '-f', 'get', '-r', 'models', '-r', 'models', '--json'])
    expect(JSON.parse(token.stdout).grants).toEqual([{resources: ['models'], functions: ['get'], accounts: [accountId], entities: []}])
  })

  it('9 and 11: endless stdin (/dev/zero) is exit 2 at its cap, for every command that reads stdin', async () => {
    for (const [args, message] of [
      [['tokens', 'verify', '-'], /line 1 of stdin is longer than 1 MiB/],
      [['deployment', 'authorize', 'x', '--key-stdin'], /line 1 of stdin is longer than 4 KiB/],
      [['admin-key', 'verify'], /line 1 of stdin is longer than 4 KiB/],
      [['admin-key', 'verify', '-'], /line 1 of stdin is longer than 4 KiB/],
      [['tokens', 'create', '-c', '-'], /stdin holds more than 64 KiB/],
      [['accounts', 'import', '-'], /line 1 of stdin is longer than 64 KiB/],
    ] as const) {
      const started = Date.now()
      const result = await run([...args], {stdinFile: '/dev/zero'})
      expectCleanFailure(result, 2)
      expect(result.stderr).toMatch(message)
      expect(Date.now() - started, args.join(' ')).toBeLessThan(20_000)
    }
  })

  it('11: an endless writer is cut off at the cap: reading stops there, whatever the writer still has', async () => {
    for (const [args, chunk, cap] of [
      [['tokens', 'create', '-c', '-'], Buffer.from('#'.repeat(16 * KiB)), 64 * KiB],
      [['tokens', 'verify', '-'], Buffer.from('x'.repeat(64 * KiB)), 1 * MiB],
      [['deployment', 'authorize', 'x', '--key-stdin'], Buffer.from('k'.repeat(4 * KiB)), 4 * KiB],
      [['accounts', 'import', '-'], Buffer.from('y'.repeat(64 * KiB)), 64 * KiB],
      // Blank lines are read and skipped, so only the import's total cap can stop them.
      [['accounts', 'import', '-'], Buffer.from('\n'.repeat(64 * KiB)), 64 * MiB],
    ] as const) {
      const result = await runCliWithEndlessStdin([...args], chunk, {store: dir.storePath})
      expectCleanFailure(result, 2)
      expect(result.stderr).toMatch(/longer than|holds more than/)
      expect(result.bytesWritten, args.join(' ')).toBeLessThan(cap + PIPE_SLACK)
    }
  }, 120_000)

  it('11: special files are refused as files (a FIFO does not block), and only stdin may be a pipe', async () => {
    const fifo = join(dir.path, 'fifo')
    execFileSync('mkfifo', [fifo])
    const folder = join(dir.path, 'folder')
    mkdirSync(folder)
    for (const path of [fifo, '/dev/zero', '/dev/urandom', folder]) {
      for (const args of [
        ['tokens', 'create', '-c', path],
        ['accounts', 'import', path],
        ['service', 'versions', 'add', 'x', 'v1', '--file', path],
      ]) {
        const started = Date.now()
        const result = await run(args)
        expectCleanFailure(result, 2)
        expect(result.stderr).toMatch(/not a regular file/)
        expect(Date.now() - started).toBeLessThan(20_000)
      }
    }

    // A regular file behind a symbolic link is fine; the same content on stdin too.
    const config = join(dir.path, 'config.yaml')
    writeFileSync(config, `account: ${accountId}\ngrants:\n- {resources: [models], functions: [get]}\n`)
    expect((await run(['tokens', 'create', '-c', config])).code).toBe(0)
    expect((await run(['tokens', 'create', '-c', '-'], {stdinFile: config})).code).toBe(0)
  })

  it('11: a file over its cap is refused without being read whole', async () => {
    const big = join(dir.path, 'big.yaml')
    writeFileSync(big, `account: ${accountId}\n# ${'x'.repeat(70 * KiB)}\ngrants: []\n`)
    const result = await run(['tokens', 'create', '-c', big])
    expectCleanFailure(result, 2)
    expect(result.stderr).toMatch(/holds more than 64 KiB: a token config is at most 64 KiB/)
    const line = join(dir.path, 'line.jsonl')
    writeFileSync(line, `{"name":"${'n'.repeat(80 * KiB)}"}\n`)
    const imported = await run(['accounts', 'import', line])
    expectCleanFailure(imported, 2)
    expect(imported.stderr).toMatch(/line 1 of '.*line\.jsonl' is longer than 64 KiB/)
  })

  it('12: an empty or blank credential is exit 2 and writes nothing, never the operator', async () => {
    const before = countRows(dir.storePath, 'accounts')
    for (const [options, message] of [
      [{args: ['--token', '']}, /--token is empty/],
      [{args: ['--token', '  ']}, /--token is empty/],
      [{args: ['--admin-key', '']}, /--admin-key is empty/],
      [{args: ['--admin-key', '\t']}, /--admin-key is empty/],
      [{env: {ACCESSCTL_TOKEN: ''}}, /ACCESSCTL_TOKEN is set but empty/],
      [{env: {ACCESSCTL_TOKEN: ' '}}, /ACCESSCTL_TOKEN is set but empty/],
      [{env: {ACCESSCTL_ADMIN_KEY: ''}}, /ACCESSCTL_ADMIN_KEY is set but empty/],
      [{env: {ACCESSCTL_ADMIN_KEY: '\n'}}, /ACCESSCTL_ADMIN_KEY is set but empty/],
    ] as const) {
      const args = 'args' in options ? options.args : []
      const env = 'env' in options ? options.env : {}
      const result = await run(['accounts', 'create', '-n', 'should-not-exist', ...args], {env})
      expectCleanFailure(result, 2)
      expect(result.stderr).toMatch(message)
    }

    expect(countRows(dir.storePath, 'accounts')).toBe(before)
  })

  it('12: other flags and variables given empty are refused, not taken as not given', async () => {
    const cwd = tempDir()
    try {
      for (const [args, env, message] of [
        [['accounts', 'list'], {ACCESSCTL_STORE: ''}, /ACCESSCTL_STORE is set but empty/],
        [['accounts', 'list'], {ACCESSCTL_STORE: '  '}, /ACCESSCTL_STORE is set but empty/],
        [['accounts', 'list', '--store', ''], {}, /--store is empty/],
        [['admin-key', 'create', '--label', ''], {}, /--label is empty/],
        [['admin-key', 'create', '--description', ''], {}, /--description is empty/],
        [['audit', 'list', '--actor', ''], {}, /--actor is empty/],
        [['audit', 'list', '--action', ''], {}, /--action is empty/],
        [['accounts', 'list', '--group', ''], {}, /--group is empty/],
        [['service', 'create', 'svc', '--owner', ''], {}, /--owner is empty/],
        [['tokens', 'create', '-i', '', '--role', 'Admin'], {}, /--id is empty/],
        [['deployment', 'authorize', 'x', '--bearer', ''], {}, /--bearer is empty/],
      ] as const) {
        const environment: Record<string, string> = {ACCESSCTL_STORE: dir.storePath}
        Object.assign(environment, env)
        const result = await runCli([...args], {env: environment, cwd: cwd.path})
        expectCleanFailure(result, 2)
        expect(result.stderr).toMatch(message)
      }

      expect(countRows(dir.storePath, 'admin_keys')).toBe(0)
      expect(countRows(dir.storePath, 'services')).toBe(0)
    } finally {
      cwd.cleanup()
    }
  })

  it('13: names and labels with control characters never split a piped row nor reach the terminal raw', async () => {
    const forged = `laptop\n${'f'.repeat(32)}\tadmin\taccount\tAdmin\t-\t2026\t2099\tactive`
    for (const label of [forged, 'bidi\u202Eevil', 'csi\u009B31m', 'sep\u2028x\u2029y']) {
      expect((await run(['tokens', 'create', '-i', accountId, '--role', 'AuditDeveloper', '--label', label])).code).toBe(0)
    }

    // No new name may hold them (issue 17.7), so they are refused on import; a store made before may hold them, so
    // they are put there directly, as an older accessctl stored them.
    const names = CONTROL_SAMPLES.map((sample, index) => `evil${index}${sample}name`)
    const imported = await run(['accounts', 'import', '-', '--format', 'jsonl'], {input: names.map((name) => JSON.stringify({name})).join('\n')})
    expect(imported.code, imported.stderr).toBe(2)
    expect(imported.stderr).not.toMatch(RAW_CONTROL)
    insertLegacyAccounts(dir.storePath, names)

    const tokens = await run(['tokens', 'list'])
    expect(tokens.code).toBe(0)
    const rows = tokens.stdout.trimEnd().split('\n')
    expect(rows).toHaveLength(countRows(dir.storePath, 'tokens', 'revoked_at IS NULL'))
    for (const row of rows) expect(row.split('\t')).toHaveLength(8)
    expect(tokens.stdout).not.toMatch(RAW_CONTROL)
    expect(tokens.stdout).toContain('laptop\\x0affff')
    expect(tokens.stdout).toContain('bidi\\u202eevil')

    const accounts = await run(['accounts', 'list', '--limit', '1000'])
    expect(accounts.stdout.trimEnd().split('\n')).toHaveLength(countRows(dir.storePath, 'accounts'))
    for (const row of accounts.stdout.trimEnd().split('\n')) expect(row.split('\t')).toHaveLength(3)
    expect(accounts.stdout).not.toMatch(RAW_CONTROL)

    for (const sample of ['\n', '\u001B[2J', '\u009B31m', '\u202E']) {
      const name = names[CONTROL_SAMPLES.indexOf(sample)]
      const shown = await run(['accounts', 'get', '-n', name])
      expect(shown.code).toBe(0)
      expect(shown.stdout, JSON.stringify(sample)).not.toMatch(RAW_CONTROL)
      // --json is unaffected: the name comes back exactly.
      expect(JSON.parse((await run(['accounts', 'get', '-n', name, '--json'])).stdout).name).toBe(name)
      // An error quoting the input is escaped too, and stays on one line.
      const missing = await run(['accounts', 'get', '-n', `missing${sample}`])
      expect(missing.code).toBe(4)
      expect(missing.stderr).not.toMatch(RAW_CONTROL)
      expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1)
      const created = await run(['accounts', 'create', '-n', `new${sample}`])
      expect(created.code).toBe(2)
      expect(created.stderr).not.toMatch(RAW_CONTROL)
      expect(created.stderr.trimEnd().split('\n')).toHaveLength(1)
    }

    const flag = await run(['accounts', 'list', '--n\u001B[2Jo'])
    expectCleanFailure(flag, 2)
    expect(flag.stderr).not.toMatch(RAW_CONTROL)
  }, 180_000)

  it('14: every parse error honours --json: one document on stdout, exit 2, nothing on stderr', async () => {
    for (const args of [
      ['store', 'check', 'foo'],
      ['accounts', 'list', 'extra', 'words'],
      ['nosuch'],
      ['store', 'nosuch'],
      ['accounts', 'list', '--bogus'],
      ['accounts', 'list', '--limit'],
      ['accounts', 'list', '--limit', 'abc'],
      ['accounts', 'import', '-', '--format', 'xml'],
      ['accounts', 'get'],
      ['tokens', 'verify', 'a', 'b'],
    ]) {
      const result = await run([...args, '--json'])
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr, args.join(' ')).toBe('')
      const body = JSON.parse(result.stdout) as {error: {code: string; exitCode: number; message: string}}
      expect(body.error).toMatchObject({code: 'invalid_input', exitCode: 2})
    }

    const plain = await run(['store', 'check', 'foo'])
    expect(plain.code).toBe(2)
    expect(plain.stderr).toMatch(/^Error: unexpected argument for 'store check': 'foo'\n/)
  })

  it('16: a byte order mark is accepted in every input, YAML and JSON alike', async () => {
    const bom = '\uFEFF'
    expect((await run(['accounts', 'import', '-'], {input: `${bom}{"name":"bom-jsonl"}\n`})).code).toBe(0)
    expect((await run(['accounts', 'import', '-'], {input: `${bom}- bom-yaml\n`})).code).toBe(0)
    const yamlConfig = `${bom}account: ${accountId}\ngrants:\n- {resources: [models], functions: [get]}\n`
    expect((await run(['tokens', 'create', '-c', '-'], {input: yamlConfig})).code).toBe(0)
    const jsonConfig = `${bom}${JSON.stringify({account: accountId, grants: [{resources: ['models'], functions: ['get']}]})}`
    expect((await run(['tokens', 'create', '-c', '-'], {input: jsonConfig})).code).toBe(0)
    const token = (await run(['tokens', 'create', '-i', accountId, '--role', 'AuditDeveloper'])).stdout.trim()
    expect((await run(['tokens', 'verify', '-'], {input: `${bom}${token}\n`})).code).toBe(0)
  })

  it('16: a JSON Lines record with a duplicate key is refused naming the line, as YAML refuses it', async () => {
    const before = countRows(dir.storePath, 'accounts')
    const jsonl = await run(['accounts', 'import', '-'], {input: '{"name":"dup-a"}\n{"name":"dup-b","name":"dup-c"}\n'})
    expectCleanFailure(jsonl, 2)
    expect(jsonl.stderr).toMatch(/line 2: the key 'name' appears twice/)
    const yaml = await run(['accounts', 'import', '-'], {input: '- name: dup-a\n- name: dup-b\n  name: dup-c\n'})
    expectCleanFailure(yaml, 2)
    expect(yaml.stderr).toMatch(/line 3/)
    expect(countRows(dir.storePath, 'accounts')).toBe(before)
  })
})
