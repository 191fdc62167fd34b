import Database from 'better-sqlite3'

/** Reads a store directly, the way a test proves what a command did or did not write. */
export function countRows(storePath: string, table: string, where = '1 = 1', ...params: unknown[]): number {
  const db = new Database(storePath, {readonly: true, fileMustExist: true})
  try {
    return db.prepare(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get(...params) as number
  } finally {
    db.close()
  }
}

export function queryRows<T>(storePath: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(storePath, {readonly: true, fileMustExist: true})
  try {
    return db.prepare(sql).all(...params) as T[]
  } finally {
    db.close()
  }
}
