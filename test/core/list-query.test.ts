import Database from 'better-sqlite3'
import {afterAll, describe, expect, it} from 'vitest'

import {globMatches, type ListQuery, sortRows} from '../../src/core/list-query.js'

/** The in-memory glob must answer as the SQL lists' `GLOB` does, so a real SQLite is the oracle. */
const sqlite = new Database(':memory:')
const sqliteGlob = sqlite.prepare('SELECT ? GLOB ?').pluck()
afterAll(() => sqlite.close())

const TEXTS = ['Admin', 'AuditDeveloper', 'admin', '', 'a', 'ab', 'a-b', 'a]b', 'a^b', 'a[b', 'a*b', 'a?b', 'a\\b', 'web-1', 'web-10', 'z', '-', ']', 'é', 'ǅx', '😀', 'a😀b', 'a\nb', '.*']

const PATTERNS = [
  '*', '?', '', 'A*', 'a*', '*min', '?dmin', 'a?b', 'a*b', '*[Dd]*', '[A-Z]*', '[^A-Z]*', '[z-a]*', '[]]', '[]a]*', '[^]]',
  '[^]a]*', '[a-]*', '[-a]', 'a[-]b', 'a[]-^]b', '[a-c-e]', 'a[*]b', 'a[?]b', 'a\\b', 'a\\*', '[', 'a[b', '*[b', 'a[^',
  '[[]', 'a[[]b', 'web-[0-9]', 'web-[0-9]*', 'web-?', '**', '*?', '?*?', '[é]', '[à-ê]', '?x', '?', 'a?b', '.*', '[.]*',
  '(a|b)', 'a{1}', '$', '^a', '[\\]]', '[a\\-z]',
]

describe('globMatches', () => {
  it.each(PATTERNS)('matches as SQLite GLOB does: %j', (pattern) => {
    for (const text of TEXTS) expect(globMatches(pattern, text), `${JSON.stringify(text)} GLOB ${JSON.stringify(pattern)}`).toBe(sqliteGlob.get(text, pattern) === 1)
  })

  it('is case-sensitive and anchored', () => {
    expect(globMatches('admin', 'Admin')).toBe(false)
    expect(globMatches('dmi', 'Admin')).toBe(false)
    expect(globMatches('Admin', 'Admin')).toBe(true)
  })
})

describe('sortRows', () => {
  const rows = [
    {name: 'b', size: 2},
    {name: 'a', size: 2},
    {name: 'C', size: null},
    {name: 'é', size: 10},
  ]
  const keys = {name: (row: (typeof rows)[number]) => row.name, size: (row: (typeof rows)[number]) => row.size}

  it.each<[ListQuery, string[]]>([
    [{}, ['C', 'a', 'b', 'é']],
    [{order: 'desc'}, ['é', 'b', 'a', 'C']],
    [{sort: 'size'}, ['C', 'a', 'b', 'é']],
    [{sort: 'size', order: 'desc'}, ['é', 'b', 'a', 'C']],
  ])('%j sorts as SQLite ORDER BY field, name would', (query, expected) => {
    expect(sortRows(rows, keys, query, 'name', 'name').map((row) => row.name)).toEqual(expected)
    const table = new Database(':memory:')
    table.exec('CREATE TABLE t (name TEXT, size INTEGER)')
    for (const row of rows) table.prepare('INSERT INTO t VALUES (?, ?)').run(row.name, row.size)
    const direction = query.order === 'desc' ? 'DESC' : 'ASC'
    const sql = `SELECT name FROM t ORDER BY ${query.sort ?? 'name'} ${direction}, name ${direction}`
    expect(table.prepare(sql).pluck().all()).toEqual(expected)
    table.close()
  })

  it('refuses a field outside the list, naming the valid ones', () => {
    expect(() => sortRows(rows, keys, {sort: 'password'}, 'name', 'name')).toThrow(/cannot sort by 'password': sort by one of name, size/)
    expect(() => sortRows(rows, keys, {sort: 'constructor'}, 'name', 'name')).toThrow(/cannot sort by/)
  })
})
