import Database from 'better-sqlite3'
import {existsSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {StoreBackup, StoreCheck, StoreInfo} from '../../../src/domain/store-admin.js'
import {MIGRATIONS} from '../../../src/store/schema.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

describe('store commands', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('info shows path, schema version and counts', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    const {code, json} = await runJson<StoreInfo>(['store', 'info'], {store: dir.storePath})
    expect(code).toBe(0)
    expect(json).toMatchObject({path: dir.storePath, schemaVersion: MIGRATIONS.at(-1)!.version, journalMode: 'wal', locked: false})
    expect(json.counts).toMatchObject({accounts: 1, groups: 1})
  })

  it('check passes on a sound store and fails (exit 6) on a broken one', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    const ok = await runJson<StoreCheck>(['store', 'check'], {store: dir.storePath})
    expect(ok.code).toBe(0)
    expect(ok.json).toEqual({path: dir.storePath, ok: true, problems: []})

    const db = new Database(dir.storePath)
    db.pragma('foreign_keys = OFF')
    db.prepare("INSERT INTO group_members VALUES ('ghost-group', 'ffffffffffffffffffffffffffffffff', 'now')").run()
    db.close()
    const broken = await runJson<ErrorJson>(['store', 'check'], {store: dir.storePath})
    expect(broken.code).toBe(6)
    expect(broken.json.error.message).toMatch(/group_members row .* points to a missing/)
  })

  it('backup writes a consistent 0600 copy and refuses to overwrite', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    const dest = join(dir.path, 'backup.db')
    const {code, json} = await runJson<StoreBackup>(['store', 'backup', dest], {store: dir.storePath})
    expect(code).toBe(0)
    expect(json.destination).toBe(dest)
    expect(statSync(dest).mode & 0o777).toBe(0o600)
    expect(countRows(dest, 'accounts', "name = 'alice'")).toBe(1)
    expect((await runCli(['store', 'check', '--store', dest])).code).toBe(0)
    const again = await runCli(['store', 'backup', dest], {store: dir.storePath})
    expect(again.code).toBe(5)
  })

  it('backup stays consistent while another process writes', async () => {
    await runCli(['accounts', 'create', '-n', 'seed'], {store: dir.storePath})
    const writers = Array.from({length: 6}, (_, i) => runCli(['accounts', 'create', '-n', `w${i}`], {store: dir.storePath}))
    const dest = join(dir.path, 'during.db')
    const backup = await runCli(['store', 'backup', dest], {store: dir.storePath})
    const results = await Promise.all(writers)
    expect(backup.code).toBe(0)
    expect(results.every((r) => r.code === 0)).toBe(true)
    expect((await runCli(['store', 'check', '--store', dest])).code).toBe(0)
    expect(countRows(dest, 'accounts')).toBeGreaterThanOrEqual(1)
  })

  it.each([
    ['a file that is not SQLite', (path: string) => writeFileSync(path, 'garbage '.repeat(1000)), /not a SQLite database/],
    [
      'a store from a newer schema',
      (path: string) => {
        const db = new Database(path)
        db.pragma('application_id = 1094927188')
        db.pragma('user_version = 42')
        db.close()
      },
      /newer than this accessctl understands/,
    ],
  ])('every command refuses %s with exit 6 and a clear message', async (_label, prepare, message) => {
    prepare(dir.storePath)
    for (const args of [['store', 'info'], ['accounts', 'create', '-n', 'x']]) {
      const result = await runCli(args, {store: dir.storePath})
      expect(result.code).toBe(6)
      expect(result.stderr).toMatch(message)
      expectNoStackTrace(result)
    }
  })

  it('refuses a path that cannot be written with exit 6', async () => {
    const file = join(dir.path, 'plain-file')
    writeFileSync(file, '')
    const result = await runJson<ErrorJson>(['accounts', 'list'], {store: join(file, 'store.db')})
    expect(result.code).toBe(6)
    expect(result.json.error).toMatchObject({code: 'store_unusable', exitCode: 6})
    expect(existsSync(join(file, 'store.db'))).toBe(false)
  })
})
