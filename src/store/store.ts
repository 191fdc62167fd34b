import Database from 'better-sqlite3'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {StoreError} from '../errors.js'
import {nativeBinding} from './native-binding.js'
import {literalPath, preparePrivateStore, type Warn, warnOnStderr} from './private-files.js'
import {APPLICATION_ID, type Migration, MIGRATIONS} from './schema.js'
import {checkSchemaMatchesVersion, checkVersionKnown, migrationFailed} from './schema-check.js'

export type Db = Database.Database

/** `${XDG_DATA_HOME:-$HOME/.local/share}/accessctl/store.db`, as the spec gives it. */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME && env.XDG_DATA_HOME.trim() !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share')
  return join(dataHome, 'accessctl', 'store.db')
}

export interface OpenOptions {
  migrations?: readonly Migration[]
  /**
   * Passed to better-sqlite3: a path to, or the loaded module of, its addon. Defaults to the one registered in
   * native-binding.ts (the single executable's), else better-sqlite3's own build.
   */
  nativeBinding?: string | object
  /** Told when a store file or folder open to other users was made private; stderr by default. */
  warn?: Warn
}

const BUSY_TIMEOUT_MS = 10_000

/**
 * The one owner of the SQLite file: it creates it with private permissions, sets the pragmas, brings the schema
 * up to date and runs every write in a `BEGIN IMMEDIATE` transaction so concurrent writers queue on the busy
 * timeout instead of failing half-way.
 */
export class Store {
  private constructor(
    readonly db: Db,
    readonly path: string,
  ) {}

  static open(path: string, options: OpenOptions = {}): Store {
    const absolute = literalPath(path, 'store path')
    preparePrivateStore(absolute, options.warn ?? warnOnStderr)
    let db: Db
    try {
      // @types/better-sqlite3 only knows the string form; better-sqlite3 12 also takes the loaded addon object.
      const binding = (options.nativeBinding ?? nativeBinding()) as string | undefined
      db = new Database(absolute, {timeout: BUSY_TIMEOUT_MS, nativeBinding: binding})
    } catch (error) {
      throw asStoreError(error, absolute)
    }

    try {
      // Nothing is written (not even the switch to WAL) until the file is known to be an accessctl store whose
      // schema matches its version.
      checkIdentity(db, absolute)
      checkSchemaMatchesVersion(db, options.migrations ?? MIGRATIONS, absolute)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
      migrate(db, options.migrations ?? MIGRATIONS, absolute)
    } catch (error) {
      db.close()
      throw asStoreError(error, absolute)
    }

    return new Store(db, absolute)
  }

  /** Runs `work` in a write transaction taken up front (BEGIN IMMEDIATE), all or nothing. */
  write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate()
    } catch (error) {
      throw asStoreError(error, this.path)
    }
  }

  /** Runs `work` in one read transaction, so everything it reads comes from the same snapshot. */
  read<T>(work: () => T): T {
    return this.db.transaction(work).deferred()
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', {simple: true}) as number
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}

function checkIdentity(db: Db, path: string): void {
  const applicationId = db.pragma('application_id', {simple: true}) as number
  if (applicationId === APPLICATION_ID) return
  const tableCount = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as {n: number}
  if (applicationId !== 0 || tableCount.n > 0) {
    throw new StoreError(`${path} is a SQLite database, but not an accessctl store`, {
      hint: 'Point --store at an accessctl store, or at a path that does not exist yet.',
    })
  }
}

/**
 * Applies the pending migrations, each in its own BEGIN IMMEDIATE transaction that re-reads the version first,
 * so two processes opening a new store at once apply each migration exactly once.
 */
export function migrate(db: Db, migrations: readonly Migration[], path = db.name): void {
  const current = db.pragma('user_version', {simple: true}) as number
  checkVersionKnown(current, migrations, path)
  for (const migration of migrations) {
    if (migration.version <= current) continue
    let from = current
    try {
      db.transaction(() => {
        from = db.pragma('user_version', {simple: true}) as number
        if (from >= migration.version) return
        db.exec(migration.sql)
        db.pragma(`application_id = ${APPLICATION_ID}`)
        db.pragma(`user_version = ${migration.version}`)
      }).immediate()
    } catch (error) {
      const stored = asStoreError(error, path)
      throw stored instanceof StoreError ? stored : migrationFailed(error, from, migration, path)
    }
  }
}

const SQLITE_STORE_FAILURES: Record<string, string> = {
  SQLITE_BUSY: 'the store is busy: another accessctl kept it locked past the timeout',
  SQLITE_CANTOPEN: 'the store file cannot be opened',
  SQLITE_CORRUPT: 'the store file is corrupt',
  SQLITE_FULL: 'the disk holding the store is full',
  SQLITE_IOERR: 'an I/O error occurred on the store file',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_PERM: 'access to the store file is not permitted',
  SQLITE_READONLY: 'the store is read-only',
}

/** Turns SQLite's failures about the file itself into a StoreError (exit 6); anything else passes through. */
export function asStoreError(error: unknown, path: string): unknown {
  if (error instanceof StoreError) return error
  if (error instanceof Database.SqliteError) {
    const primary = error.code.replace(/^(SQLITE_[A-Z]+?)(_.*)?$/, '$1')
    const reason = SQLITE_STORE_FAILURES[primary]
    if (reason) return new StoreError(`${reason} (${path})`, {cause: error})
  }

  if (error instanceof TypeError && /directory does not exist/.test(error.message)) {
    return new StoreError(`cannot open the store at ${path}: ${error.message}`, {cause: error})
  }

  return error
}
