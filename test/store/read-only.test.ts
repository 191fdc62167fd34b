import Database from 'better-sqlite3'
import {existsSync, mkdirSync, renameSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {StoreError} from '../../src/errors.js'
import {FollowedStore} from '../../src/store/followed-store.js'
import {MIGRATIONS} from '../../src/store/schema.js'
import {Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'

/** Store.openReadOnly and FollowedStore: what serve and the library read through. */

let dir: TempDir
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => dir.cleanup())

function makeStore(path: string, accounts: string[] = []): void {
  const store = Store.open(path)
  store.write(() => {
    for (const name of accounts) store.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(name.padEnd(32, '0'), name, '2026-01-01T00:00:00Z')
  })
  store.close()
}

const accountCount = (store: Store) => store.db.prepare('SELECT count(*) FROM accounts').pluck().get() as number

describe('Store.openReadOnly', () => {
  it('reads an existing store and refuses every write', () => {
    makeStore(dir.storePath, ['a'])
    const store = Store.openReadOnly(dir.storePath)
    try {
      expect(store.access).toBe('read-only')
      expect(accountCount(store)).toBe(1)
      expect(() => store.write(() => store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v')").run())).toThrow(StoreError)
    } finally {
      store.close()
    }
  })

  it('never creates a store: a missing path, a folder, a file that is not a store, or an empty file are StoreErrors', () => {
    const missing = join(dir.path, 'missing.db')
    expect(() => Store.openReadOnly(missing)).toThrow(/cannot open the store/)
    expect(existsSync(missing)).toBe(false)
    mkdirSync(join(dir.path, 'folder'))
    expect(() => Store.openReadOnly(join(dir.path, 'folder'))).toThrow(/is not a file/)
    const other = join(dir.path, 'other.db')
    new Database(other).exec('CREATE TABLE t (x)')
    expect(() => Store.openReadOnly(other)).toThrow(/not an accessctl store/)
    const empty = join(dir.path, 'empty.db')
    writeFileSync(empty, '')
    expect(() => Store.openReadOnly(empty)).toThrow(/not an accessctl store/)
    const text = join(dir.path, 'text.db')
    writeFileSync(text, 'hello, this is not SQLite at all, but long enough to have a header '.repeat(10))
    expect(() => Store.openReadOnly(text)).toThrow(StoreError)
  })

  it('refuses a schema it would have to migrate, and one newer than it knows, saying which to do', () => {
    makeStore(dir.storePath)
    expect(() => Store.openReadOnly(dir.storePath, {migrations: [...MIGRATIONS, {version: 99, description: 'future', sql: ''}]})).toThrow(
      /schema version .*; reading needs version 99/,
    )
    const newer = new Database(dir.storePath)
    newer.pragma('user_version = 99')
    newer.close()
    expect(() => Store.openReadOnly(dir.storePath)).toThrow(StoreError)
    try {
      Store.openReadOnly(dir.storePath)
    } catch (error) {
      expect((error as StoreError).hint).toMatch(/Upgrade accessctl/)
    }
  })

  it('reuses prepared statements, each handed out in plain mode whatever the last caller set', () => {
    makeStore(dir.storePath, ['a', 'b'])
    const store = Store.openReadOnly(dir.storePath)
    try {
      const sql = 'SELECT name FROM accounts ORDER BY name'
      const plucked = store.db.prepare(sql).pluck()
      expect(plucked.all()).toEqual(['a', 'b'])
      const plain = store.db.prepare(sql)
      expect(plain).toBe(plucked)
      expect(plain.all()).toEqual([{name: 'a'}, {name: 'b'}])
      expect(store.db.prepare(sql).raw().all()).toEqual([['a'], ['b']])
      expect(store.db.prepare(sql).get()).toEqual({name: 'a'})
      // While an iterator is open on it, the same SQL gets a statement of its own.
      const iterator = store.db.prepare(sql).iterate()
      iterator.next()
      expect(store.db.prepare(sql).all()).toHaveLength(2)
      iterator.return?.()
    } finally {
      store.close()
    }
  })

  it('sees commits of other connections, and data_version says when', () => {
    makeStore(dir.storePath, ['a'])
    const store = Store.openReadOnly(dir.storePath)
    const writer = Store.open(dir.storePath)
    try {
      const before = store.read(() => store.dataVersion())
      expect(store.read(() => store.dataVersion())).toBe(before)
      writer.write(() => writer.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run('b'.repeat(32), 'b', 'now'))
      expect(store.read(() => [store.dataVersion(), accountCount(store)])).toEqual([before + 1, 2])
    } finally {
      writer.close()
      store.close()
    }
  })
})

describe('FollowedStore', () => {
  it('opens the file renamed over its path on the next call, and fails (then recovers) while the path names nothing', () => {
    makeStore(dir.storePath, ['a'])
    const followed = new FollowedStore(dir.storePath, {recheckMs: 0})
    try {
      const first = followed.current()
      expect(followed.current()).toBe(first)
      expect(accountCount(first)).toBe(1)
      const next = join(dir.path, 'next.db')
      makeStore(next, ['a', 'b'])
      renameSync(next, dir.storePath)
      const second = followed.current()
      expect(second).not.toBe(first)
      expect(first.db.open).toBe(false)
      expect(accountCount(second)).toBe(2)
      expect(followed.generation).toBe(2)
      renameSync(dir.storePath, `${dir.storePath}.away`)
      expect(() => followed.current()).toThrow(StoreError)
      renameSync(`${dir.storePath}.away`, dir.storePath)
      expect(accountCount(followed.current())).toBe(2)
    } finally {
      followed.close()
    }
  })

  it('looks at the path at most every recheckMs', async () => {
    makeStore(dir.storePath, ['a'])
    const followed = new FollowedStore(dir.storePath, {recheckMs: 200})
    try {
      const first = followed.current()
      const next = join(dir.path, 'next.db')
      makeStore(next, ['a', 'b'])
      renameSync(next, dir.storePath)
      expect(followed.current()).toBe(first)
      await new Promise((resolve) => setTimeout(resolve, 250))
      expect(accountCount(followed.current())).toBe(2)
    } finally {
      followed.close()
    }
  })
})
