import Database from 'better-sqlite3'
import {execFileSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type AccessctlError, StoreError, UsageError} from '../../src/errors.js'
import {APPLICATION_ID, MIGRATIONS} from '../../src/store/schema.js'
import {schemaObjectsAt} from '../../src/store/schema-check.js'
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

/** Runs `work` with the process umask at 000, the widest a user can set, and restores it. */
function withUmask0<T>(work: () => T): T {
  const previous = process.umask(0)
  try {
    return work()
  } finally {
    process.umask(previous)
  }
}

const ANOTHER_UID = 4242
const asRoot = process.getuid?.() === 0

describe('Store.open: the files holding the signing key are private whatever the path', () => {
  let dir: TempDir
  let warnings: string[]
  const open = (path: string) => Store.open(path, {warn: (text) => warnings.push(text)})
  beforeEach(() => {
    dir = tempDir()
    warnings = []
  })
  afterEach(() => dir.cleanup())

  const writeSomething = (store: Store) =>
    store.write(() => store.db.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v')").run())

  it('creates the store 0600 through a dangling symlink, also with umask 000', () => {
    const target = join(dir.path, 'target.db')
    const link = join(dir.path, 'link.db')
    symlinkSync(target, link)
    const store = withUmask0(() => open(link))
    try {
      withUmask0(() => writeSomething(store))
      expect(mode(target)).toBe(0o600)
      expect(mode(`${target}-wal`)).toBe(0o600)
      expect(mode(`${target}-shm`)).toBe(0o600)
    } finally {
      store.close()
    }

    expect(warnings).toEqual([])
  })

  it('creates a new store, its folder, -wal and -shm private with umask 000', () => {
    const path = join(dir.path, 'new', 'store.db')
    const store = withUmask0(() => open(path))
    try {
      withUmask0(() => writeSomething(store))
      expect(mode(join(dir.path, 'new'))).toBe(0o700)
      for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(mode(file)).toBe(0o600)
    } finally {
      store.close()
    }
  })

  it('opens a store through a symlink to an existing store', () => {
    Store.open(dir.storePath).close()
    const link = join(dir.path, 'link.db')
    symlinkSync(dir.storePath, link)
    const store = open(link)
    store.close()
    expect(mode(dir.storePath)).toBe(0o600)
    expect(warnings).toEqual([])
  })

  it('refuses a symlink to a folder, and a FIFO, without writing', () => {
    mkdirSync(join(dir.path, 'folder'))
    symlinkSync(join(dir.path, 'folder'), join(dir.path, 'to-folder.db'))
    expect(() => open(join(dir.path, 'to-folder.db'))).toThrow(/is a directory/)
    expect(readdirSync(join(dir.path, 'folder'))).toEqual([])

    execFileSync('mkfifo', [join(dir.path, 'fifo.db')])
    expect(() => open(join(dir.path, 'fifo.db'))).toThrow(StoreError)
    expect(() => open(join(dir.path, 'fifo.db'))).toThrow(/not a regular file/)
  })

  it.each([
    ['0644', 0o644],
    ['0666', 0o666],
    ['0640', 0o640],
    ['0604', 0o604],
  ])('repairs a store file of mode %s to 0600, with a warning', (_label, loose) => {
    Store.open(dir.storePath).close()
    chmodSync(dir.storePath, loose)
    open(dir.storePath).close()
    expect(mode(dir.storePath)).toBe(0o600)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/other users/)
    expect(warnings[0]).toContain(dir.storePath)
  })

  it('repairs a -wal or -shm left readable by others before using it', () => {
    const keep = Store.open(dir.storePath)
    writeSomething(keep)
    chmodSync(`${dir.storePath}-wal`, 0o644)
    chmodSync(`${dir.storePath}-shm`, 0o666)
    try {
      open(dir.storePath).close()
      expect(mode(`${dir.storePath}-wal`)).toBe(0o600)
      expect(mode(`${dir.storePath}-shm`)).toBe(0o600)
      expect(warnings).toHaveLength(2)
    } finally {
      keep.close()
    }
  })

  it('refuses a -wal that is a symbolic link', () => {
    Store.open(dir.storePath).close()
    symlinkSync(join(dir.path, 'elsewhere'), `${dir.storePath}-wal`)
    expect(() => open(dir.storePath)).toThrow(/symbolic link/)
    expect(existsSync(join(dir.path, 'elsewhere'))).toBe(false)
  })

  it('repairs a folder others may write (0777) to 0700, with a warning', () => {
    const folder = join(dir.path, 'shared')
    mkdirSync(folder)
    chmodSync(folder, 0o777)
    open(join(folder, 'store.db')).close()
    expect(mode(folder)).toBe(0o700)
    expect(warnings.join('\n')).toMatch(/folder/)
  })

  it('never changes a sticky shared folder such as /tmp (1777), even its owner\'s: refused, left as it is', () => {
    const folder = join(dir.path, 'tmp-like')
    mkdirSync(folder)
    chmodSync(folder, 0o1777)
    const refusal = captureError(() => open(join(folder, 'store.db')))
    expect(refusal).toBeInstanceOf(StoreError)
    expect(refusal.message).toMatch(/shared with other users/)
    expect(refusal.hint).toMatch(/folder of its own/)
    expect(statSync(folder).mode & 0o7777).toBe(0o1777)
    expect(readdirSync(folder)).toEqual([])
  })

  it('accepts a folder others may only read (0755): every file in it is 0600', () => {
    const folder = join(dir.path, 'readable')
    mkdirSync(folder)
    chmodSync(folder, 0o755)
    open(join(folder, 'store.db')).close()
    expect(mode(folder)).toBe(0o755)
    expect(warnings).toEqual([])
  })

  it.runIf(asRoot)('refuses (exit 6, with a chmod hint) a loose store file it does not own, leaving it as it was', () => {
    Store.open(dir.storePath).close()
    chmodSync(dir.storePath, 0o644)
    chownSync(dir.storePath, ANOTHER_UID, ANOTHER_UID)
    const refusal = captureError(() => open(dir.storePath))
    expect(refusal).toBeInstanceOf(StoreError)
    expect(refusal.message).toMatch(/other users/)
    expect(refusal.hint).toContain(`chmod 600 ${dir.storePath}`)
    expect(mode(dir.storePath)).toBe(0o644)
  })

  it.runIf(asRoot)('refuses a folder others may write that it does not own', () => {
    const folder = join(dir.path, 'shared')
    mkdirSync(folder)
    chmodSync(folder, 0o777)
    chownSync(folder, ANOTHER_UID, ANOTHER_UID)
    const refusal = captureError(() => open(join(folder, 'store.db')))
    expect(refusal).toBeInstanceOf(StoreError)
    expect(refusal.hint).toContain(`chmod 700 ${folder}`)
    expect(mode(folder)).toBe(0o777)
    expect(readdirSync(folder)).toEqual([])
  })
})

describe('Store.open takes the path literally', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it.each([' ', '\t', '\n', '\u00a0', '\ufeff'])('refuses a path ending in %j (exit 2) and writes nothing', (space) => {
    const error = captureError(() => Store.open(`${dir.storePath}${space}`))
    expect(error).toBeInstanceOf(UsageError)
    expect(error.message).toMatch(/white ?space/)
    expect(readdirSync(dir.path)).toEqual([])
  })

  it('keeps leading white space: it is part of the file name', () => {
    const path = join(dir.path, ' leading.db')
    Store.open(path).close()
    expect(readdirSync(dir.path)).toEqual([' leading.db'])
  })

  it('refuses an empty path and a NUL byte (exit 2)', () => {
    expect(() => Store.open('')).toThrow(UsageError)
    expect(() => Store.open(`${dir.storePath}\u0000.x`)).toThrow(UsageError)
    expect(readdirSync(dir.path)).toEqual([])
  })
})

function captureError(work: () => unknown): AccessctlError {
  try {
    work()
  } catch (error) {
    return error as AccessctlError
  }

  throw new Error('expected an error')
}

/** The store's bytes, to prove a refusal left it exactly as it was. */
function digest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

describe('Store.open: a schema that does not match its version is exit 6, the store untouched', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  const tamper = (sql: string) => {
    const db = new Database(dir.storePath)
    db.exec(sql)
    db.close()
  }

  it.each([
    ['user_version 1 on a current store', 'PRAGMA user_version = 1'],
    ['user_version 0 on a current store', 'PRAGMA user_version = 0'],
    ['a negative user_version', 'PRAGMA user_version = -1'],
    ['the smallest user_version', 'PRAGMA user_version = -2147483648'],
    ['a missing table at the current version', 'DROP TABLE deployment_keys'],
    ['a missing index at the current version', 'DROP INDEX tokens_by_creation'],
    ['a table in place of an index', 'DROP INDEX tokens_by_creation; CREATE TABLE tokens_by_creation (x)'],
  ])('%s', (_label, sql) => {
    Store.open(dir.storePath).close()
    tamper(sql)
    const before = digest(dir.storePath)
    const error = captureError(() => Store.open(dir.storePath))
    expect(error).toBeInstanceOf(StoreError)
    expect(error.message).toMatch(/schema does not match its version|schema version -?\d+ is not one/)
    expect(digest(dir.storePath)).toBe(before)
  })

  it('an accessctl application_id on a database with no tables at a non-zero version', () => {
    const db = new Database(dir.storePath)
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${MIGRATIONS.at(-1)!.version}`)
    db.close()
    const before = digest(dir.storePath)
    expect(() => Store.open(dir.storePath)).toThrow(/schema does not match its version/)
    expect(digest(dir.storePath)).toBe(before)
  })

  it('leaves a refused store in its own journal mode (no switch to WAL)', () => {
    const db = new Database(dir.storePath)
    migrate(db, MIGRATIONS)
    db.pragma('user_version = 1')
    db.close()
    const before = digest(dir.storePath)
    expect(() => Store.open(dir.storePath)).toThrow(StoreError)
    expect(digest(dir.storePath)).toBe(before)
    const check = new Database(dir.storePath, {readonly: true})
    expect(check.pragma('journal_mode', {simple: true})).toBe('delete')
    check.close()
  })

  it('a failing migration is a StoreError naming the cause, and rolls back', () => {
    const db = new Database(dir.storePath)
    const steps = [
      {version: 1, description: 'one', sql: 'CREATE TABLE a (x)'},
      {version: 2, description: 'broken', sql: 'CREATE TABLE b (x); CREATE TABLE a (y)'},
    ]
    const error = captureError(() => migrate(db, steps))
    expect(error).toBeInstanceOf(StoreError)
    expect(error.message).toMatch(/already exists/)
    expect(db.pragma('user_version', {simple: true})).toBe(1)
    db.close()
  })
})

describe('schemaObjectsAt', () => {
  it('reads from the migrations exactly the objects SQLite makes of them, at every version', () => {
    const db = new Database(':memory:')
    try {
      for (const migration of MIGRATIONS) {
        db.exec(migration.sql)
        const made = db
          .prepare("SELECT type, lower(name) AS name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
          .all() as Array<{type: string; name: string}>
        const read = [...schemaObjectsAt(MIGRATIONS, migration.version)]
          .map(([name, type]) => ({type, name}))
          .sort((a, b) => a.name.localeCompare(b.name))
        expect(read, `version ${migration.version}`).toEqual(made)
      }
    } finally {
      db.close()
    }
  })

  it('follows drops, renames, quoted names and comments', () => {
    const steps = [
      {version: 1, description: 'a', sql: 'CREATE TABLE "Quoted" (x); -- CREATE TABLE commented (x)\nCREATE UNIQUE INDEX IF NOT EXISTS q_x ON "Quoted" (x)'},
      {version: 2, description: 'b', sql: '/* DROP TABLE "Quoted" */ ALTER TABLE "Quoted" RENAME TO renamed; DROP INDEX q_x'},
    ]
    expect([...schemaObjectsAt(steps, 1)]).toEqual([
      ['quoted', 'table'],
      ['q_x', 'index'],
    ])
    expect([...schemaObjectsAt(steps, 2)]).toEqual([['renamed', 'table']])
  })
})
