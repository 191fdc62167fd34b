import type Database from 'better-sqlite3'

import {StoreError} from '../errors.js'
import type {Migration} from './schema.js'

type ObjectType = 'index' | 'table' | 'trigger' | 'view'

const NAME = String.raw`("[^"]+"|\x60[^\x60]+\x60|\[[^\]]+\]|[A-Za-z_][\w$]*)`
const STATEMENTS = new RegExp(
  String.raw`\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?(?:UNIQUE\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?${NAME}` +
    String.raw`|\bDROP\s+(TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+EXISTS\s+)?${NAME}` +
    String.raw`|\bALTER\s+TABLE\s+${NAME}\s+RENAME\s+TO\s+${NAME}`,
  'gi',
)

const SCHEMA_HINT =
  'The store was changed outside accessctl (PRAGMA user_version, dropped tables?). accessctl will not write to a ' +
  'store it does not understand: restore it from a backup (accessctl store backup makes one).'

function unquote(name: string): string {
  return (/^["`[]/.test(name) ? name.slice(1, -1) : name).toLowerCase()
}

/**
 * The tables, indexes, views and triggers that `migrations` up to `version` leave in a store, read from their SQL
 * (SQLite's names are case-insensitive, so they are lower-cased). A test holds this reading to what SQLite itself
 * makes of every version, so a migration this reading would misunderstand cannot ship.
 */
export function schemaObjectsAt(migrations: readonly Migration[], version: number): Map<string, ObjectType> {
  const objects = new Map<string, ObjectType>()
  for (const migration of migrations) {
    if (migration.version > version) break
    const sql = migration.sql.replaceAll(/--[^\n]*/g, '').replaceAll(/\/\*[\s\S]*?\*\//g, '')
    for (const match of sql.matchAll(STATEMENTS)) {
      const [, createType, createName, dropType, dropName, renamedFrom, renamedTo] = match
      if (createType) objects.set(unquote(createName), createType.toLowerCase() as ObjectType)
      else if (dropType) objects.delete(unquote(dropName))
      else {
        objects.delete(unquote(renamedFrom))
        objects.set(unquote(renamedTo), 'table')
      }
    }
  }

  return objects
}

/** Every name any migration ever gives an object: those are accessctl's; other objects are left alone. */
function namesOfAnyVersion(migrations: readonly Migration[]): Set<string> {
  const names = new Set<string>()
  for (const migration of migrations) for (const name of schemaObjectsAt([migration], migration.version).keys()) names.add(name)
  return names
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
    const ours = namesOfAnyVersion(migrations)
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
