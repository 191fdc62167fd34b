import Database from 'better-sqlite3'
import {mkdirSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {StoreError} from '../../src/errors.js'
import {APPLICATION_ID, MIGRATIONS} from '../../src/store/schema.js'
import {defaultStorePath, migrate, Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'

const mode = (path: string) => statSync(path).mode & 0o777

describe('Store.open', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('creates the folder 0700 and the file, -wal and -shm 0600', () => {
    const path = join(dir.path, 'nested', 'accessctl', 'store.db')
    const store = Store.open(path)
    try {
      store.write(() => store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v')").run())
      expect(mode(join(dir.path, 'nested', 'accessctl'))).toBe(0o700)
      expect(mode(path)).toBe(0o600)
      expect(mode(`${path}-wal`)).toBe(0o600)
      expect(mode(`${path}-shm`)).toBe(0o600)
    } finally {
      store.close()
    }
  })

  it('sets WAL, foreign keys and the latest schema version', () => {
    const store = Store.open(dir.storePath)
    try {
      expect(store.db.pragma('journal_mode', {simple: true})).toBe('wal')
      expect(store.db.pragma('foreign_keys', {simple: true})).toBe(1)
      expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version)
      expect(store.db.pragma('application_id', {simple: true})).toBe(APPLICATION_ID)
      const everyone = store.db.prepare("SELECT builtin FROM groups WHERE name = 'everyone'").pluck().get()
      expect(everyone).toBe(1)
    } finally {
      store.close()
    }
  })

  it('refuses a store written by a newer schema, without touching it', () => {
    Store.open(dir.storePath).close()
    const raw = new Database(dir.storePath)
    raw.pragma('user_version = 99')
    raw.close()
    expect(() => Store.open(dir.storePath)).toThrow(StoreError)
    expect(() => Store.open(dir.storePath)).toThrow(/schema version 99, newer than/)
    const check = new Database(dir.storePath)
    expect(check.pragma('user_version', {simple: true})).toBe(99)
    check.close()
  })

  it('refuses a file that is not SQLite', () => {
    writeFileSync(dir.storePath, 'this is a plain text file, certainly not a database '.repeat(200))
    expect(() => Store.open(dir.storePath)).toThrow(StoreError)
    expect(() => Store.open(dir.storePath)).toThrow(/not a SQLite database/)
  })

  it('refuses a SQLite database of another program', () => {
    const other = new Database(dir.storePath)
    other.exec('CREATE TABLE notes (body TEXT)')
    other.close()
    expect(() => Store.open(dir.storePath)).toThrow(/not an accessctl store/)
  })

  it('refuses a path that cannot be written', () => {
    const file = join(dir.path, 'a-file')
    writeFileSync(file, '')
    expect(() => Store.open(join(file, 'store.db'))).toThrow(StoreError)
    expect(() => Store.open(join(file, 'store.db'))).toThrow(/cannot create the store/)
  })

  it('refuses a directory in place of the store file', () => {
    mkdirSync(join(dir.path, 'dir.db'))
    expect(() => Store.open(join(dir.path, 'dir.db'))).toThrow(/is a directory/)
  })

  it('maps a write to a read-only connection to a StoreError', () => {
    Store.open(dir.storePath).close()
    const store = Store.open(dir.storePath)
    store.db.pragma('query_only = ON')
    try {
      expect(() => store.write(() => store.db.prepare("INSERT INTO settings VALUES ('a', 'b')").run())).toThrow(StoreError)
    } finally {
      store.close()
    }
  })

  it('rolls a write transaction back entirely when it throws', () => {
    const store = Store.open(dir.storePath)
    try {
      expect(() =>
        store.write(() => {
          store.db.prepare("INSERT INTO settings VALUES ('x', '1')").run()
          throw new Error('boom')
        }),
      ).toThrow('boom')
      expect(store.db.prepare("SELECT count(*) FROM settings WHERE key = 'x'").pluck().get()).toBe(0)
    } finally {
      store.close()
    }
  })
})

describe('migrate', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('applies only the pending migrations, each once', () => {
    const db = new Database(dir.storePath)
    const steps = [
      {version: 1, description: 'one', sql: 'CREATE TABLE a (x)'},
      {version: 2, description: 'two', sql: 'CREATE TABLE b (x)'},
    ]
    migrate(db, steps.slice(0, 1))
    expect(db.pragma('user_version', {simple: true})).toBe(1)
    migrate(db, steps)
    migrate(db, steps)
    expect(db.pragma('user_version', {simple: true})).toBe(2)
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all()
    expect(tables).toEqual(['a', 'b'])
    db.close()
  })

  it('leaves the version and schema as they were when a migration fails', () => {
    const db = new Database(dir.storePath)
    const steps = [
      {version: 1, description: 'one', sql: 'CREATE TABLE a (x)'},
      {version: 2, description: 'broken', sql: 'CREATE TABLE b (x); CREATE TABLE a (y)'},
    ]
    expect(() => migrate(db, steps)).toThrow(/already exists/)
    expect(db.pragma('user_version', {simple: true})).toBe(1)
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all()
    expect(tables).toEqual(['a'])
    db.close()
  })
})

describe('migrations of real stores', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('brings a version 1 store with data up to the latest version, keeping the data', () => {
    const old = new Database(dir.storePath)
    migrate(old, MIGRATIONS.slice(0, 1))
    old.prepare("INSERT INTO accounts (id, name, created_at) VALUES ('0123456789abcdef0123456789abcdef', 'kept', 'now')").run()
    old.close()

    const store = Store.open(dir.storePath)
    try {
      expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version)
      expect(store.db.prepare('SELECT name FROM accounts').pluck().all()).toEqual(['kept'])
      const indexes = store.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'tokens'").pluck().all()
      expect(indexes).toEqual(expect.arrayContaining(['tokens_by_account', 'tokens_by_creation']))
      const plan = store.db
        .prepare("EXPLAIN QUERY PLAN SELECT jti FROM tokens WHERE revoked_at IS NULL ORDER BY created_at, jti LIMIT 10")
        .all() as Array<{detail: string}>
      expect(plan.map((row) => row.detail).join('\n')).not.toMatch(/TEMP B-TREE/)
    } finally {
      store.close()
    }
  })
})

describe('defaultStorePath', () => {
  it('follows XDG_DATA_HOME, else ~/.local/share', () => {
    expect(defaultStorePath({XDG_DATA_HOME: '/data'})).toBe('/data/accessctl/store.db')
    expect(defaultStorePath({HOME: '/home/x'})).toMatch(/\.local\/share\/accessctl\/store\.db$/)
  })
})
