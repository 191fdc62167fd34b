import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, type TempDir, tempDir} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {countRows} from '../helpers/store.js'

/** Issue 12.4: --label, --description and --ttl are defined once (src/cli/flags.ts) and mean the same everywhere. */
let dir: TempDir

beforeAll(async () => {
  dir = tempDir()
  for (const args of [['accounts', 'create', '-n', 'alice'], ['service', 'create', 'churn']]) {
    expect((await runCli(args, {store: dir.storePath})).code).toBe(0)
  }
}, 60_000)
afterAll(() => dir.cleanup())

const creators: Array<[string, string[], string]> = [
  ['admin-key create', ['admin-key', 'create'], 'admin_keys'],
  ['service keys create', ['service', 'keys', 'create', 'churn'], 'service_keys'],
  ['tokens create', ['tokens', 'create', '-i', 'alice', '--role', 'Admin'], 'tokens'],
]

describe('one --label rule', () => {
  it.each(creators.flatMap(([name, args, table]) => [
    [name, [...args, '--label', '   '], table, /^--label is empty$/],
    [name, [...args, '--label', 'x'.repeat(201)], table, /^--label has at most 200 characters; this one has 201$/],
  ]) as Array<[string, string[], string, RegExp]>)('%s refuses a bad label with exit 2 and writes nothing', async (_name, args, table, message) => {
    const before = countRows(dir.storePath, table)
    const result = await runInProcess(args, {store: dir.storePath, json: true})
    expect(result.code).toBe(2)
    expect((JSON.parse(result.stdout) as {error: {message: string}}).error.message).toMatch(message)
    expect(countRows(dir.storePath, table)).toBe(before)
  })

  it.each(creators)('%s takes a label of 200 characters', async (_name, args, table) => {
    const before = countRows(dir.storePath, table)
    const result = await runInProcess([...args, '--label', 'é'.repeat(200)], {store: dir.storePath, json: true})
    expect(result.code, result.stdout).toBe(0)
    expect(countRows(dir.storePath, table)).toBe(before + 1)
  })

  it('admin-key create caps --description as the other keys do', async () => {
    const result = await runInProcess(['admin-key', 'create', '--description', 'x'.repeat(2001)], {store: dir.storePath, json: true})
    expect(result.code).toBe(2)
    expect(result.stdout).toContain('--description has at most 2000 characters')
  })

  it('a bad --ttl names the flag, without oclif\'s "Parsing" wrapper', async () => {
    const result = await runInProcess(['admin-key', 'create', '--ttl', '5x'], {store: dir.storePath, json: true})
    expect(result.code).toBe(2)
    expect((JSON.parse(result.stdout) as {error: {message: string}}).error.message).toMatch(/^--ttl '5x' is not a duration/)
  })

  // Issue 17.10: one duration grammar and one cap, whatever the unit and whichever flag.
  it.each([
    ['admin-key create', ['admin-key', 'create', '--ttl', ' 1h'], 'admin_keys', "--ttl ' 1h' is not a duration"],
    ['admin-key create', ['admin-key', 'create', '--ttl', '1h '], 'admin_keys', "--ttl '1h ' is not a duration"],
    ['admin-key create', ['admin-key', 'create', '--ttl', '3153600001s'], 'admin_keys', "--ttl '3153600001s' is too long: at most 100 years (3153600000s, 36500d)"],
    ['admin-key create', ['admin-key', 'create', '--ttl', '36501d'], 'admin_keys', "--ttl '36501d' is too long: at most 100 years (3153600000s, 36500d)"],
    ['tokens create', ['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--ttl', ' 90d'], 'tokens', "--ttl ' 90d' is not a duration"],
    ['audit list', ['audit', 'list', '--since', ' 24h'], 'audit_log', "--since ' 24h' is not a duration"],
    ['serve', ['serve', '--request-timeout', ' 10s'], 'audit_log', "--request-timeout ' 10s' is not a duration"],
  ])('%s %j: exit 2, the one message, nothing written', async (_name, args, table, message) => {
    const before = countRows(dir.storePath, table)
    const result = await runInProcess(args, {store: dir.storePath, json: true})
    expect(result.code).toBe(2)
    expect((JSON.parse(result.stdout) as {error: {message: string}}).error.message.startsWith(message), result.stdout).toBe(true)
    expect(countRows(dir.storePath, table)).toBe(before)
  })

  it('the longest --ttl is the same length in every unit: 3153600000s and 36500d both make a key', async () => {
    const before = countRows(dir.storePath, 'admin_keys')
    for (const ttl of ['3153600000s', '36500d']) {
      const result = await runInProcess(['admin-key', 'create', '--ttl', ttl], {store: dir.storePath, json: true})
      expect(result.code, result.stdout).toBe(0)
    }

    expect(countRows(dir.storePath, 'admin_keys')).toBe(before + 2)
  })

  it('an enumeration is checked by oclif: --outcome, --type, --format', async () => {
    for (const args of [['audit', 'list', '--outcome', 'maybe'], ['tokens', 'create', '-t', 'forever', '-i', 'alice', '--role', 'Admin'], ['accounts', 'import', '-', '--format', 'csv']]) {
      const result = await runInProcess(args, {store: dir.storePath, json: true})
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stdout).toMatch(/takes one of/)
    }
  })
})
