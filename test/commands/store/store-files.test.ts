import Database from 'better-sqlite3'
import {createHash} from 'node:crypto'
import {chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {APPLICATION_ID, MIGRATIONS} from '../../../src/store/schema.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'
import {runCliUmask0} from '../../helpers/umask.js'

const mode = (path: string) => statSync(path).mode & 0o777
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const ANOTHER_UID = 4242
const asRoot = process.getuid?.() === 0

interface AccountPage {
  items: Array<{name: string}>
}

describe('--store and ACCESSCTL_STORE are taken literally', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it.each([' ', '  ', '\t', '\n'])('a path ending in %j is exit 2 and nothing is written (flag and variable)', async (space) => {
    const padded = `${dir.storePath}${space}`
    const byFlag = await runJson<ErrorJson>(['accounts', 'create', '-n', 'alice', '--store', padded])
    expect(byFlag.code).toBe(2)
    expect(byFlag.json.error.message).toMatch(/white ?space/)
    const byEnv = await runJson<ErrorJson>(['accounts', 'create', '-n', 'alice'], {store: padded})
    expect(byEnv.code).toBe(2)
    expectNoStackTrace(byEnv)
    expect(readdirSync(dir.path)).toEqual([])
  })

  it('a path ending in white space never touches the store of the trimmed name', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    const before = digest(dir.storePath)
    const result = await runCli(['accounts', 'create', '-n', 'mallory'], {store: `${dir.storePath} `})
    expect(result.code).toBe(2)
    expect(digest(dir.storePath)).toBe(before)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('leading white space is part of the name (flag and variable)', async () => {
    expect((await runCli(['accounts', 'create', '-n', 'alice', '--store', ' flag.db'], {cwd: dir.path})).code).toBe(0)
    expect((await runCli(['accounts', 'create', '-n', 'bob'], {store: ' env.db', cwd: dir.path})).code).toBe(0)
    expect(readdirSync(dir.path).sort()).toEqual([' env.db', ' flag.db'])
    expect(countRows(join(dir.path, ' flag.db'), 'accounts', "name = 'alice'")).toBe(1)
    expect(mode(join(dir.path, ' env.db'))).toBe(0o600)
  })

  it('an empty --store is exit 2', async () => {
    const result = await runJson<ErrorJson>(['store', 'info', '--store', ''], {cwd: dir.path})
    expect(result.code).toBe(2)
    expect(readdirSync(dir.path)).toEqual([])
  })
})

describe('the store files are private whatever the path', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('a dangling symlink with umask 000: the store (and its signing key) is created 0600', async () => {
    const target = join(dir.path, 'target.db')
    const link = join(dir.path, 'link.db')
    symlinkSync(target, link)
    const created = await runCliUmask0(['accounts', 'create', '-n', 'alice', '--json'], {env: {ACCESSCTL_STORE: link}})
    expect(created.code, created.stderr).toBe(0)
    const account = JSON.parse(created.stdout).id as string
    const token = await runCliUmask0(['tokens', 'create', '-i', account, '--role', 'AuditDeveloper'], {env: {ACCESSCTL_STORE: link}})
    expect(token.code, token.stderr).toBe(0)
    expect(countRows(target, 'signing_keys')).toBe(1)
    expect(mode(target)).toBe(0o600)
    expect(created.stderr).toBe('')
  })

  it('a new store with umask 000: folder 0700, file 0600', async () => {
    const path = join(dir.path, 'nested', 'store.db')
    expect((await runCliUmask0(['accounts', 'create', '-n', 'alice'], {env: {ACCESSCTL_STORE: path}})).code).toBe(0)
    expect(mode(join(dir.path, 'nested'))).toBe(0o700)
    expect(mode(path)).toBe(0o600)
  })

  it('a symlink to an existing store works; a symlink to a folder is exit 6', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    symlinkSync(dir.storePath, join(dir.path, 'link.db'))
    const viaLink = await runJson<AccountPage>(['accounts', 'list'], {store: join(dir.path, 'link.db')})
    expect(viaLink.json.items.map((a) => a.name)).toEqual(['alice'])

    mkdirSync(join(dir.path, 'folder'))
    symlinkSync(join(dir.path, 'folder'), join(dir.path, 'to-folder.db'))
    const refused = await runJson<ErrorJson>(['accounts', 'list'], {store: join(dir.path, 'to-folder.db')})
    expect(refused.code).toBe(6)
    expect(refused.json.error.message).toMatch(/is a directory/)
    expect(readdirSync(join(dir.path, 'folder'))).toEqual([])
  })

  it.each([
    ['0644', 0o644],
    ['0666', 0o666],
  ])('a %s store is repaired to 0600 with a warning on stderr; --json stdout stays one document', async (_label, loose) => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    chmodSync(dir.storePath, loose)
    const result = await runJson<AccountPage>(['accounts', 'list'], {store: dir.storePath})
    expect(result.code).toBe(0)
    expect(result.json.items.map((a) => a.name)).toEqual(['alice'])
    expect(result.stderr).toMatch(/Warning: .*other users.*0600/s)
    expect(mode(dir.storePath)).toBe(0o600)
    const human = await runCli(['accounts', 'list'], {store: dir.storePath})
    expect(human.stderr).toBe('')
  })

  it('a 0777 folder is repaired to 0700 with a warning on stderr', async () => {
    const folder = join(dir.path, 'shared')
    mkdirSync(folder)
    chmodSync(folder, 0o777)
    const result = await runCli(['accounts', 'create', '-n', 'alice'], {store: join(folder, 'store.db')})
    expect(result.code).toBe(0)
    expect(result.stdout).not.toMatch(/Warning/)
    expect(result.stderr).toMatch(/Warning: .*folder/s)
    expect(mode(folder)).toBe(0o700)
  })

  it.runIf(asRoot)('a 0644 store of another user is refused with exit 6 and a chmod hint, unchanged', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    chmodSync(dir.storePath, 0o644)
    chownSync(dir.storePath, ANOTHER_UID, ANOTHER_UID)
    const before = digest(dir.storePath)
    const result = await runJson<ErrorJson & {error: {hint?: string}}>(['accounts', 'create', '-n', 'bob'], {store: dir.storePath})
    expect(result.code).toBe(6)
    expect(result.json.error.hint).toContain(`chmod 600 ${dir.storePath}`)
    expect(mode(dir.storePath)).toBe(0o644)
    expect(digest(dir.storePath)).toBe(before)
  })

  it.runIf(asRoot)('a 0777 folder of another user is refused with exit 6 and a chmod hint', async () => {
    const folder = join(dir.path, 'shared')
    mkdirSync(folder)
    chmodSync(folder, 0o777)
    chownSync(folder, ANOTHER_UID, ANOTHER_UID)
    const result = await runCli(['accounts', 'create', '-n', 'alice'], {store: join(folder, 'store.db')})
    expect(result.code).toBe(6)
    expect(result.stderr).toContain(`chmod 700 ${folder}`)
    expectNoStackTrace(result)
    expect(readdirSync(folder)).toEqual([])
  })
})

describe('a store whose schema does not match its version is exit 6, untouched', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  const tamper = (path: string, work: (db: Database.Database) => void) => {
    const db = new Database(path)
    work(db)
    db.close()
  }

  it.each([
    ['user_version 1 on a current store', (db: Database.Database) => db.pragma('user_version = 1')],
    ['user_version 0 on a current store', (db: Database.Database) => db.pragma('user_version = 0')],
    ['user_version -1', (db: Database.Database) => db.pragma('user_version = -1')],
    ['a dropped table', (db: Database.Database) => db.exec('DROP TABLE audit_log')],
    ['a dropped index', (db: Database.Database) => db.exec('DROP INDEX tokens_by_account')],
  ])('%s', async (_label, work) => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    tamper(dir.storePath, work)
    const before = digest(dir.storePath)
    for (const args of [['store', 'info'], ['accounts', 'create', '-n', 'bob'], ['store', 'check']]) {
      const result = await runJson<ErrorJson>(args, {store: dir.storePath})
      expect(result.code, result.stdout).toBe(6)
      expect(result.json.error.message).toMatch(/schema does not match its version|schema version -1 is not one/)
      expectNoStackTrace(result)
      const human = await runCli(args, {store: dir.storePath})
      expect(human.stderr).not.toMatch(/internal error/)
    }

    expect(digest(dir.storePath)).toBe(before)
  })

  it('an accessctl application_id with no tables at the latest version', async () => {
    tamper(dir.storePath, (db) => {
      db.pragma(`application_id = ${APPLICATION_ID}`)
      db.pragma(`user_version = ${MIGRATIONS.at(-1)!.version}`)
    })
    const result = await runJson<ErrorJson>(['accounts', 'list'], {store: dir.storePath})
    expect(result.code).toBe(6)
    expect(result.json.error.message).toMatch(/schema does not match its version/)
    expect(existsSync(`${dir.storePath}-wal`)).toBe(false)
  })
})
