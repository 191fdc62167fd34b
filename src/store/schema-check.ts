import type Database from 'better-sqlite3'

import {StoreError} from '../errors.js'
import type {Migration} from './schema.js'

type ObjectType = 'index' | 'table' | 'trigger' | 'view'

const OBJECT_TYPES = new Set(['INDEX', 'TABLE', 'TRIGGER', 'VIEW'])

const SCHEMA_HINT =
  'The store was changed outside accessctl (PRAGMA user_version, dropped tables?). accessctl will not write to a ' +
  'store it does not understand: restore it from a backup (`accessctl store backup FILE` makes one).'

/** A name token as SQLite would read it: unquoted, cut at a parenthesis, lower-cased (names are case-insensitive). */
function nameOf(token: string | undefined): string | undefined {
  if (!token) return undefined
  const bare = token.split('(')[0]
  return (/^["`[]/.test(bare) ? bare.slice(1, -1) : bare).toLowerCase()
}

type Change = {kind: 'create'; type: ObjectType; name: string} | {kind: 'drop'; name: string} | {from: string; kind: 'rename'; to: string}

/**
 * What one statement does to the set of schema objects, read from its words (no regular expression: compiling one
 * costs more at start-up than this whole reading).
 */
function changeOf(statement: string): Change | undefined {
  const words = statement.trim().split(/\s+/, 12)
  const upper = words.map((word) => word.toUpperCase())
  let at = 1
  if (upper[0] === 'CREATE') {
    if (upper[at] === 'TEMP' || upper[at] === 'TEMPORARY') at++
    if (upper[at] === 'UNIQUE') at++
    const type = upper[at++]
    if (!OBJECT_TYPES.has(type)) return undefined
    if (upper[at] === 'IF' && upper[at + 1] === 'NOT' && upper[at + 2] === 'EXISTS') at += 3
    const name = nameOf(words[at])
    return name ? {kind: 'create', type: type.toLowerCase() as ObjectType, name} : undefined
  }

  if (upper[0] === 'DROP' && OBJECT_TYPES.has(upper[1])) {
    at = upper[2] === 'IF' && upper[3] === 'EXISTS' ? 4 : 2
    const name = nameOf(words[at])
    return name ? {kind: 'drop', name} : undefined
  }

  if (upper[0] === 'ALTER' && upper[1] === 'TABLE' && upper[3] === 'RENAME' && upper[4] === 'TO') {
    const from = nameOf(words[2])
    const to = nameOf(words[5])
    return from && to ? {kind: 'rename', from, to} : undefined
  }

  return undefined
}

interface SchemaHistory {
  /** The objects each version has, by version (0: none). */
  byVersion: Map<number, Map<string, ObjectType>>
  /** Every name any migration ever gives an object: those are accessctl's; other objects are left alone. */
  ours: Set<string>
}

const histories = new WeakMap<readonly Migration[], SchemaHistory>()

/**
 * Reads the tables, indexes, views and triggers each migration leaves in a store from its SQL, one statement at a
 * time (SQLite's names are case-insensitive, so they are lower-cased). A test holds this reading to what SQLite
 * itself makes of every version, so a migration this reading would misunderstand cannot ship. Read once a process:
 * it is cheaper than building the schema in an in-memory database at every start.
 */
function historyOf(migrations: readonly Migration[]): SchemaHistory {
  const known = histories.get(migrations)
  if (known) return known
  const objects = new Map<string, ObjectType>()
  const history: SchemaHistory = {byVersion: new Map([[0, new Map()]]), ours: new Set()}
  for (const migration of migrations) {
    const sql = withoutComments(migration.sql)
    for (const statement of sql.split(';')) {
      const change = changeOf(statement)
      if (change?.kind === 'create') {
        objects.set(change.name, change.type)
        history.ours.add(change.name)
      } else if (change?.kind === 'drop') {
        objects.delete(change.name)
      } else if (change?.kind === 'rename') {
        objects.delete(change.from)
        objects.set(change.to, 'table')
        history.ours.add(change.to)
      }
    }

    history.byVersion.set(migration.version, new Map(objects))
  }

  histories.set(migrations, history)
  return history
}

function withoutComments(sql: string): string {
  let text = ''
  let at = 0
  while (at < sql.length) {
    const line = sql.indexOf('--', at)
    const block = sql.indexOf('/*', at)
    const next = line === -1 ? block : block === -1 ? line : Math.min(line, block)
    if (next === -1) break
    text += sql.slice(at, next)
    const end = next === line ? sql.indexOf('\n', next) : sql.indexOf('*/', next + 2)
    at = end === -1 ? sql.length : next === line ? end : end + 2
  }

  return text + sql.slice(at)
}

/** The objects `migrations` up to `version` leave in a store, by lower-cased name. */
export function schemaObjectsAt(migrations: readonly Migration[], version: number): Map<string, ObjectType> {
  const {byVersion} = historyOf(migrations)
  let latest = 0
  for (const known of byVersion.keys()) if (known <= version && known > latest) latest = known
  return byVersion.get(latest) ?? new Map()
}

/** A version this accessctl cannot apply migrations from: negative, or newer than its last migration. */
export function checkVersionKnown(version: number, migrations: readonly Migration[], path: string): void {
  const latest = migrations.at(-1)?.version ?? 0
  if (version > latest) {
    throw new StoreError(
      `the store at ${path} has schema version ${version}, newer than this accessctl understands (${latest})`,
      {hint: 'Upgrade accessctl; this version will not touch a store written by a newer one.'},
    )
  }

  if (version < 0 || (version > 0 && !migrations.some((migration) => migration.version === version))) {
    throw new StoreError(`the store's schema version ${version} is not one accessctl knows (${path})`, {
      hint: SCHEMA_HINT,
    })
  }
}

/**
 * Before anything is written: the store's version must be one accessctl knows, and its tables and indexes must be
 * the ones that version has. A store whose `user_version` was changed by hand (or whose tables were dropped) would
 * otherwise fail half-way through a migration, or later with "no such table", as an internal error.
 */
export function checkSchemaMatchesVersion(db: Database.Database, migrations: readonly Migration[], path: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', {simple: true}) as number
    checkVersionKnown(version, migrations, path)
    const expected = schemaObjectsAt(migrations, version)
    const {ours} = historyOf(migrations)
    const rows = db.prepare("SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'").all() as Array<{
      type: ObjectType
      name: string
    }>
    const actual = new Map(rows.map((row) => [row.name.toLowerCase(), row.type]))
    const problems: string[] = []
    for (const [name, type] of expected) {
      const found = actual.get(name)
      if (found === undefined) problems.push(`${type} ${name} is missing`)
      else if (found !== type) problems.push(`${name} is a ${found}, not a ${type}`)
    }

    for (const [name, type] of actual) {
      if (ours.has(name) && !expected.has(name)) problems.push(`${type} ${name} belongs to another version`)
    }

    if (problems.length > 0) {
      const shown = problems.length > 3 ? [...problems.slice(0, 3), `and ${problems.length - 3} more`] : problems
      throw new StoreError(`the store's schema does not match its version ${version}: ${shown.join('; ')} (${path})`, {
        hint: SCHEMA_HINT,
      })
    }
  }).deferred()
}

/** A migration that fails part-way is rolled back; the store is then one accessctl does not understand (exit 6). */
export function migrationFailed(error: unknown, from: number, migration: Migration, path: string): StoreError {
  const reason = error instanceof Error ? error.message : String(error)
  return new StoreError(
    `the store's schema does not match its version ${from}: migrating it to version ${migration.version} ` +
      `(${migration.description}) failed: ${reason} (${path})`,
    {cause: error, hint: SCHEMA_HINT},
  )
}
