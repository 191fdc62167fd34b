import Database from 'better-sqlite3'
import {randomUUID} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {accountNameKey} from '../../../src/core/names.js'
import {migrate} from '../../../src/store/store.js'
import {MIGRATIONS} from '../../../src/store/schema.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows, queryRows} from '../../helpers/store.js'

/**
 * Issue 17.7: `alice@example.com`, `Alice@example.com`, a Cyrillic `а`, a full-width `ａ`, a trailing dot, U+200B,
 * U+200E and a combining accent were nine separate accounts, and U+200B printed raw so their rows looked the same.
 * And (17.4) `accounts create -n acdk_...` stored a key as a name. Every way in (create, import, apply) now takes a
 * name only under one rule (src/core/names.ts), and what a store already holds is kept and printed escaped.
 */
describe('look-alike and secret-looking names, through the CLI', () => {
  let dir: TempDir
  const run = (args: string[], input?: string) => runCli(args, {store: dir.storePath, input})
  const json = <T>(args: string[], input?: string) => runJson<T>(args, {store: dir.storePath, input})
  const names = () => queryRows<{name: string}>(dir.storePath, 'SELECT name FROM accounts ORDER BY name').map((row) => row.name)

  beforeAll(async () => {
    dir = tempDir()
    for (const name of ['alice@example.com', 'josé@example.com']) expect((await run(['accounts', 'create', '-n', name])).code).toBe(0)
    expect((await run(['service', 'create', 'churn'])).code).toBe(0)
  })
  afterAll(() => dir.cleanup())

  it.each([
    ['upper case', 'Alice@example.com', 5, "an account named 'alice@example.com' already exists, and 'Alice@example.com' differs from it only in case or in look-alike characters"],
    ['a full-width ａ', '\uff41lice@example.com', 5, "an account named 'alice@example.com' already exists, and 'ａlice@example.com' differs from it only in case or in look-alike characters"],
    ['a decomposed é', 'jose\u0301@example.com', 5, "an account named 'josé@example.com' already exists"],
    ['a Cyrillic а', '\u0430lice@example.com', 2, "an account name cannot mix Cyrillic and Latin letters in one part ('аlice'), as look-alike names do: 'аlice@example.com'"],
    ['a trailing dot', 'alice@example.com.', 2, "the domain of an account name cannot end with a dot: 'alice@example.com.'"],
    ['U+200B', 'alice\u200b@example.com', 2, "an account name cannot hold U+200B (an invisible, control, formatting or unusual space character): 'alice\\u200b@example.com'"],
    ['U+200E', 'alice@example.com\u200e', 2, "an account name cannot hold U+200E (an invisible, control, formatting or unusual space character): 'alice@example.com\\u200e'"],
    ['a combining accent on nothing', 'alice@\u0301example.com', 2, "an account name cannot hold a combining mark (U+0301) that does not follow a letter or digit: 'alice@\u0301example.com'"],
  ])('accounts create with %s (%j) beside alice@example.com: exit %i, the reason, nothing written', async (_what, name, exitCode, message) => {
    const before = names()
    const result = await json<ErrorJson>(['accounts', 'create', '-n', name])
    expect(result.code).toBe(exitCode)
    expect(result.json.error.message).toBe(message)
    expect(names()).toEqual(before)
    const human = await run(['accounts', 'create', '-n', name])
    expect(human.code).toBe(exitCode)
    expect(human.stderr.split('\n')[0]).toBe(`Error: ${message}`)
    expectNoStackTrace(human)
  })

  it('a name that looks like a key or a token is refused (exit 2), never repeated, never stored', async () => {
    const key = (await run(['service', 'keys', 'create', 'churn'])).stdout.trim()
    expect(key).toMatch(/^acsk_/)
    for (const name of [key, `acdk_${'A1b2'.repeat(10)}`, 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl']) {
      const before = names()
      const result = await json<ErrorJson>(['accounts', 'create', '-n', name])
      expect(result.code).toBe(2)
      expect(result.json.error.message).toBe('an account name cannot be a key or a token: it would be stored and listed in clear')
      expect(result.stdout + result.stderr).not.toContain(name)
      const human = await run(['accounts', 'create', '-n', name])
      expect(human.stdout + human.stderr).not.toContain(name)
      expect(names()).toEqual(before)
    }

    // Nor as a group or a version.
    const group = await json<ErrorJson>(['groups', 'create', `acdk_${'abcd'.repeat(4)}`])
    expect(group.json.error.message).toBe('a group name cannot be a key or a token: it would be stored and listed in clear')
    const version = await json<ErrorJson>(['service', 'versions', 'add', 'churn', `acdk_${'Ab1'.repeat(5)}`])
    expect(version.json.error.message).toBe('a version cannot be a key or a token: it would be stored and listed in clear')
    expect(countRows(dir.storePath, 'groups', "name LIKE 'acdk%'") + countRows(dir.storePath, 'service_versions')).toBe(0)
  })

  it('accounts import: a look-alike of a stored name or of an earlier line is refused with its line; nothing is imported', async () => {
    const before = names()
    const stored = await json<ErrorJson>(['accounts', 'import', '-', '--format', 'jsonl'], '{"name": "bob@example.com"}\n{"name": "ALICE@example.com"}\n')
    expect(stored.code).toBe(5)
    expect(stored.json.error.message).toBe(
      "line 2: an account named 'alice@example.com' already exists, and 'ALICE@example.com' differs from it only in case or in look-alike characters",
    )
    const earlier = await json<ErrorJson>(['accounts', 'import', '-', '--format', 'jsonl'], '{"name": "bob@example.com"}\n{"name": "Bob@Example.com"}\n')
    expect(earlier.code).toBe(5)
    expect(earlier.json.error.message).toBe("line 2: account 'Bob@Example.com' differs only in case or in look-alike characters from 'bob@example.com' (line 1)")
    const invisible = await json<ErrorJson>(['accounts', 'import', '-'], '- carol@example.com\n- "carol\\u200B@example.com"\n')
    expect(invisible.code).toBe(2)
    expect(invisible.json.error.message).toMatch(/^line 2: an account name cannot hold U\+200B/)
    expect(names()).toEqual(before)
  })

  it('apply and diff: a new name that looks like a stored one, or like another in the document, is exit 2 at its line', async () => {
    const before = names()
    const document = 'apiVersion: accessctl/v1\naccounts:\n  - name: ALICE@example.com\n  - name: dave@example.com\n  - name: Dave@example.com\n  - name: "eve\\u200B"\n'
    for (const command of ['apply', 'diff']) {
      const result = await json<ErrorJson>([command, '-f', '-'], document)
      expect(result.code).toBe(2)
      expect(result.json.error.message.split('\n')).toEqual([
        "line 3 of stdin: an account named 'alice@example.com' already exists, and 'ALICE@example.com' differs from it only in case or in look-alike characters",
        "line 5 of stdin: an account named 'dave@example.com' already exists, and 'Dave@example.com' differs from it only in case or in look-alike characters",
        "line 6 of stdin: an account name cannot hold U+200B (an invisible, control, formatting or unusual space character): 'eve\\u200b'",
      ])
    }

    expect(names()).toEqual(before)
    // A document naming a stored account in another normal form is that account, not a new one.
    const same = await json<{changes: unknown[]}>(['diff', '-f', '-'], 'apiVersion: accessctl/v1\naccounts:\n  - name: "jose\\u0301@example.com"\n')
    expect(same.code, same.stdout).toBe(0)
    expect(same.json.changes).toEqual([])
  })

  it('the names that are one: only alice@example.com and josé@example.com were ever stored', () => {
    expect(names()).toEqual(['alice@example.com', 'josé@example.com'])
  })
})

describe('a store made before the name rule', () => {
  let dir: TempDir
  const legacy = ['alice@example.com', 'Alice@example.com', 'alice\u200b@example.com', 'bob\u202e@example.com']

  beforeAll(() => {
    dir = tempDir()
    // A store at the schema before name_key (version 3), holding look-alikes as an older accessctl let them in.
    const db = new Database(dir.storePath)
    migrate(db, MIGRATIONS.filter((migration) => migration.version <= 3))
    const insert = db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)')
    for (const [index, name] of legacy.entries()) insert.run(randomUUID().replaceAll('-', ''), name, `2026-01-0${index + 1}T00:00:00.000Z`)
    db.close()
  })
  afterAll(() => dir.cleanup())

  it('migrates without failing on the duplicates it holds: all kept, each with its key', async () => {
    const list = await runCli(['accounts', 'list'], {store: dir.storePath})
    expect(list.code, list.stderr).toBe(0)
    const rows = queryRows<{name: string; name_key: string}>(dir.storePath, 'SELECT name, name_key FROM accounts ORDER BY created_at')
    expect(rows).toEqual(legacy.map((name) => ({name, name_key: accountNameKey(name)})))
    expect(rows[0].name_key).toBe(rows[1].name_key)
    const version = queryRows<{user_version: number}>(dir.storePath, 'PRAGMA user_version')[0].user_version
    expect(version).toBe(MIGRATIONS.at(-1)!.version)
  })

  it('prints what it holds escaped, so no two rows look the same', async () => {
    const list = await runCli(['accounts', 'list'], {store: dir.storePath})
    const shown = list.stdout.trimEnd().split('\n').map((row) => row.split('\t')[1])
    expect(shown.sort()).toEqual(['Alice@example.com', 'alice@example.com', 'alice\\u200b@example.com', 'bob\\u202e@example.com'].sort())
    const json = await runJson<{items: Array<{name: string}>}>(['accounts', 'list'], {store: dir.storePath})
    expect(json.json.items.map((item) => item.name).sort()).toEqual([...legacy].sort())
  })

  it('finds them by their names, and refuses a new look-alike of any of them', async () => {
    expect((await runCli(['accounts', 'get', '-n', 'alice\u200b@example.com'], {store: dir.storePath})).code).toBe(0)
    expect((await runCli(['accounts', 'get', '-n', 'Alice@example.com'], {store: dir.storePath})).code).toBe(0)
    const before = countRows(dir.storePath, 'accounts')
    const again = await runJson<ErrorJson>(['accounts', 'create', '-n', 'ALICE@EXAMPLE.COM'], {store: dir.storePath})
    expect(again.code).toBe(5)
    expect(again.json.error.message).toMatch(/^an account named '(alice|Alice)@example\.com' already exists, and 'ALICE@EXAMPLE\.COM' differs/)
    expect(countRows(dir.storePath, 'accounts')).toBe(before)
    expect((await runCli(['accounts', 'create', '-n', 'carol@example.com'], {store: dir.storePath})).code).toBe(0)
    expect(queryRows<{name_key: string}>(dir.storePath, "SELECT name_key FROM accounts WHERE name = 'carol@example.com'")).toEqual([{name_key: 'carol@example.com'}])
  })
})

describe('the migration itself', () => {
  it('adds name_key as a column and an index, and fills it in the same transaction', () => {
    const db = new Database(':memory:')
    try {
      migrate(db, MIGRATIONS.filter((migration) => migration.version <= 3))
      db.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('a', 'ＡＢＣ', 'now'), ('b', 'abc', 'now')").run()
      migrate(db, MIGRATIONS)
      expect(db.prepare('SELECT id, name_key FROM accounts ORDER BY id').all()).toEqual([{id: 'a', name_key: 'abc'}, {id: 'b', name_key: 'abc'}])
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'accounts_by_name_key'").pluck().get()).toBe(1)
    } finally {
      db.close()
    }
  })
})
