import Database from 'better-sqlite3'
import {accessSync, constants, existsSync, realpathSync, statSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {StoreError} from '../errors.js'
import {nativeBinding} from './native-binding.js'
import {describeFsError, literalPath, preparePrivateStore, type Warn, warnOnStderr} from './private-files.js'
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
  /**
   * For commands that only read: a missing store is an error (exit 6) instead of a new, empty one, and nothing is
   * created on the way, not even the folder.
   */
  mustExist?: boolean
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
    /**
     * `read-only` and `immutable` come from openReadOnly; `immutable` is a file SQLite reads without locks and
     * without noticing changes, because its folder cannot hold the -shm file a WAL reader needs.
     */
    readonly access: StoreAccess = 'read-write',
  ) {}

  static open(path: string, options: OpenOptions = {}): Store {
    const absolute = literalPath(path, 'store path')
    if (options.mustExist && !existsSync(absolute)) {
      throw new StoreError(`no store at ${absolute}`, {
        hint: 'Create one with a command that writes, e.g. `accessctl accounts create -n NAME`, or check --store / ACCESSCTL_STORE.',
      })
    }

    const notWritable = existsSync(absolute) ? whyNotWritable(absolute) : undefined
    if (notWritable !== undefined) {
      throw new StoreError(`the store at ${absolute} is read-only here: ${notWritable}; this command writes`, {
        hint: 'Commands that only read (list, get, authorize, verify, store info, check, backup, export) work on it; change the store where it is writable.',
      })
    }

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

  /**
   * For commands that only read: a store this process may not write (a copy on a read-only mount, a file or folder
   * of another user) is opened read-only as `serve` opens it (see openReadOnly), so it can be listed, checked and
   * asked; any other is opened as every command opens it (migrated if it is older, its modes repaired). A missing
   * store is exit 6 either way, and nothing is created.
   */
  static openToRead(path: string, options: OpenOptions = {}): Store {
    const absolute = literalPath(path, 'store path')
    if (existsSync(absolute) && whyNotWritable(absolute) !== undefined) return Store.openReadOnly(absolute, options)
    return Store.open(absolute, {...options, mustExist: true})
  }

  /**
   * Opens an existing store for reading only, as `serve` and the library do: nothing is created, migrated or
   * written, and no credential is asked for, so it works on a locked store, on a replica, and on a snapshot made by
   * `store backup`. A store in a folder this process cannot write (a read-only mount) has nowhere for SQLite's
   * -shm file; it is then opened as immutable (SQLite's `immutable` URI parameter): read without locks, so it must
   * not change in place, only be replaced by a rename.
   */
  static openReadOnly(path: string, options: OpenOptions = {}): Store {
    const absolute = literalPath(path, 'store path')
    let isFile: boolean
    try {
      isFile = statSync(absolute).isFile()
      accessSync(absolute, constants.R_OK)
    } catch (error) {
      throw new StoreError(`cannot open the store at ${absolute}: ${describeFsError(error)}`, {
        cause: error,
        hint: 'Give the path of an existing store with --store PATH or ACCESSCTL_STORE; reading never creates one.',
      })
    }

    if (!isFile) throw new StoreError(`store path ${absolute} is not a file`)
    // better-sqlite3 reads this once, when its addon loads, and only then accepts `file:` URIs (for `immutable`).
    process.env.SQLITE_USE_URI ??= '1'
    const migrations = options.migrations ?? MIGRATIONS
    try {
      return new Store(openForReading(absolute, absolute, migrations, options), absolute, 'read-only')
    } catch (error) {
      if (!(error instanceof Database.SqliteError) || !NEEDS_IMMUTABLE.has(error.code)) throw asStoreError(error, absolute)
    }

    try {
      const uri = `${pathToFileURL(absolute).href}?immutable=1`
      return new Store(openForReading(uri, absolute, migrations, options), absolute, 'immutable')
    } catch (error) {
      const failure = asStoreError(error, absolute)
      if (failure instanceof StoreError && error instanceof Database.SqliteError && error.code === 'SQLITE_CANTOPEN') {
        throw new StoreError(`cannot read the store at ${absolute}: its folder is read-only, and SQLite would not open it as immutable`, {
          cause: error,
          hint: 'SQLite URIs may be off: set SQLITE_USE_URI=1 in the environment before the process first opens a SQLite database.',
        })
      }

      throw failure
    }
  }

  /**
   * A store that lives only in this process's memory, with the same schema as a file store: for questions about a
   * state that must not touch any file (`accessctl test --state DOC` applies DOC here). Gone when closed.
   */
  static inMemory(options: Pick<OpenOptions, 'migrations' | 'nativeBinding'> = {}): Store {
    const binding = (options.nativeBinding ?? nativeBinding()) as string | undefined
    const db = new Database(':memory:', {nativeBinding: binding})
    try {
      db.pragma('foreign_keys = ON')
      migrate(db, options.migrations ?? MIGRATIONS, ':memory:')
    } catch (error) {
      db.close()
      throw asStoreError(error, ':memory:')
    }

    return new Store(db, ':memory:')
  }

  /** Changes whenever another connection commits; the first statement of a read transaction pins its snapshot. */
  dataVersion(): number {
    this.dataVersionStatement ??= this.db.prepare('PRAGMA data_version /* Store.dataVersion */').pluck()
    return this.dataVersionStatement.get() as number
  }

  private dataVersionStatement?: Database.Statement

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

export type StoreAccess = 'immutable' | 'read-only' | 'read-write'

/**
 * Why this process may not write the existing store at `path` (the file itself, or the folder SQLite keeps its
 * journal and WAL files in), or undefined when it may. access(2) answers for this process's user (root included, who
 * may write anything but a read-only file system).
 */
function whyNotWritable(path: string): string | undefined {
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    return undefined
  }

  for (const [what, target] of [['the file', real], ['its folder', dirname(real)]] as const) {
    try {
      accessSync(target, constants.W_OK)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EROFS') return `${what} is on a read-only file system`
      if (code === 'EACCES' || code === 'EPERM') return `this user may not write ${what === 'the file' ? 'the file' : `its folder ${dirname(real)}`}`
      return undefined
    }
  }

  return undefined
}

/** A read-only connection fails with these when the folder cannot take the -shm (and -wal) files of WAL mode. */
const NEEDS_IMMUTABLE = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY_CANTINIT', 'SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_RECOVERY'])

/** A read-only connection to `name` (a path or a `file:` URI), checked to be an accessctl store at the latest schema. */
function openForReading(name: string, path: string, migrations: readonly Migration[], options: OpenOptions): Db {
  const binding = (options.nativeBinding ?? nativeBinding()) as string | undefined
  const db = new Database(name, {readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS, nativeBinding: binding})
  try {
    // The first read: a folder without room for the -shm file fails here, not when the connection opens.
    if ((db.pragma('application_id', {simple: true}) as number) !== APPLICATION_ID) {
      throw new StoreError(`${path} is not an accessctl store`, {hint: 'Point --store at a store that accessctl created.'})
    }

    const version = db.pragma('user_version', {simple: true}) as number
    const latest = migrations.at(-1)?.version ?? 0
    if (version !== latest) {
      throw new StoreError(`the store at ${path} has schema version ${version}; reading needs version ${latest}`, {
        hint:
          version > latest
            ? 'Upgrade accessctl; this version does not understand a store written by a newer one.'
            : 'Run any accessctl command on it with write access (for example `accessctl store info`) to migrate it first.',
      })
    }

    db.pragma('query_only = ON')
    reuseStatements(db)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/** Distinct SQL texts whose prepared statement a read-only connection keeps. */
const STATEMENT_CACHE_LIMIT = 512

/**
 * Makes `db.prepare` hand back the statement it prepared before for the same SQL, for a connection that answers at
 * request rate (serve, the library): the domain prepares its statements per call, and preparing costs more than
 * running them. A reused statement is reset to plain rows (pluck, raw and expand off), so each caller sets the mode
 * it wants, as with a fresh one; one still busy (an iterator is open on it) is not reused but prepared anew. The
 * catch: a statement kept across calls (TokenVerifier's) is reset too if another caller prepares the same SQL text,
 * so such statements must keep SQL of their own.
 */
export function reuseStatements(db: Db): void {
  const prepare = db.prepare.bind(db)
  const statements = new Map<string, Database.Statement>()
  db.prepare = ((sql: string) => {
    const cached = statements.get(sql)
    if (cached && !cached.busy) {
      if (cached.reader) cached.pluck(false).raw(false).expand(false)
      return cached
    }

    const statement = prepare(sql)
    if (!cached && statements.size < STATEMENT_CACHE_LIMIT) statements.set(sql, statement)
    return statement
  }) as Db['prepare']
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
        migration.backfill?.(db)
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
