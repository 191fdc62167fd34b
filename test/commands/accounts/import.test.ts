import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {ImportSummary} from '../../../src/domain/import.js'
import {type ErrorJson, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'
import {PtySession} from '../../helpers/pty.js'

describe('accounts import', () => {
  let dir: TempDir
  beforeEach(async () => {
    dir = tempDir()
    await runCli(['groups', 'create', 'devops'], {store: dir.storePath})
  })
  afterEach(() => dir.cleanup())

  it('imports a YAML heredoc from stdin with groups, in one audited transaction', async () => {
    const yaml = '- alice@example.com\n- name: bob@example.com\n  groups: [devops]\n'
    const result = await runJson<ImportSummary>(['accounts', 'import', '-'], {store: dir.storePath, input: yaml})
    expect(result.code).toBe(0)
    expect(result.json).toMatchObject({imported: 2, memberships: 1})
    expect(countRows(dir.storePath, 'accounts')).toBe(2)
    expect(countRows(dir.storePath, 'group_members', "group_name = 'devops'")).toBe(1)
    expect(countRows(dir.storePath, 'audit_log', "action = 'accounts.import' AND target = 'accounts:2'")).toBe(1)
  })

  it('imports a JSONL file and prints a summary line, with no progress bar when piped', async () => {
    const file = join(dir.path, 'accounts.jsonl')
    writeFileSync(file, Array.from({length: 500}, (_, i) => JSON.stringify({name: `user${i}`})).join('\n'))
    const result = await runCli(['accounts', 'import', file], {store: dir.storePath})
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^imported 500 accounts and 0 group memberships in [\d.]+s \(\d+\/s\)\n$/)
    expect(result.stderr).toBe('')
    expect(countRows(dir.storePath, 'accounts')).toBe(500)
  })

  it('draws a progress bar on a terminal', async () => {
    const file = join(dir.path, 'many.jsonl')
    writeFileSync(file, Array.from({length: 5000}, (_, i) => JSON.stringify({name: `u${i}`})).join('\n'))
    const session = new PtySession(['accounts', 'import', file], {ACCESSCTL_STORE: dir.storePath})
    expect(await session.exit()).toBe(0)
    expect(session.text).toMatch(/importing \[#+-*\] \d+ \d+%/)
    expect(session.text).toMatch(/imported 5000 accounts/)
  })

  it.each([
    ['a duplicate inside the file', '- a\n- b\n- a\n', 5, /line 3: account 'a' appears twice \(first at line 1\)/],
    ['a name already in the store', '- x\n- existing\n', 5, /line 2: an account named 'existing' already exists/],
    ['an unknown group', '- a\n- name: b\n  groups: [nosuch]\n', 4, /line 2: no group named 'nosuch'/],
    ['an unknown key', '- a\n- name: b\n  admin: true\n', 2, /line 2: unknown key 'admin'/],
    ['malformed YAML', '- a\n- [b\n', 2, /YAML error at line \d+, column \d+/],
    ['empty stdin', '', 2, /stdin is empty/],
    ['binary garbage', '\u0000\u0001\u0002\u00ff\ufffe', 2, /./],
  ])('imports nothing when given %s', async (_label, input, exitCode, message) => {
    await runCli(['accounts', 'create', '-n', 'existing'], {store: dir.storePath})
    const result = await runJson<ErrorJson>(['accounts', 'import', '-'], {store: dir.storePath, input})
    expect(result.code).toBe(exitCode)
    expect(result.json.error.message).toMatch(message)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('reads and inserts as it goes: a problem far into a big file names its line and imports nothing', async () => {
    const lines = Array.from({length: 20_000}, (_, i) => JSON.stringify({name: `user${i}`, groups: i % 7 === 0 ? ['devops'] : []}))
    const file = join(dir.path, 'late.jsonl')
    writeFileSync(file, [...lines, JSON.stringify({name: 'user3'})].join('\n'))
    const duplicate = await runJson<ErrorJson>(['accounts', 'import', file], {store: dir.storePath})
    expect(duplicate.code).toBe(5)
    expect(duplicate.json.error.message).toBe("line 20001: account 'user3' appears twice (first at line 4)")
    writeFileSync(file, [...lines, JSON.stringify({name: 'x', groups: ['nosuch']})].join('\n'))
    const group = await runJson<ErrorJson>(['accounts', 'import', file], {store: dir.storePath})
    expect(group.code).toBe(4)
    expect(group.json.error.message).toBe("line 20001: no group named 'nosuch'")
    expect(countRows(dir.storePath, 'accounts')).toBe(0)
    expect(countRows(dir.storePath, 'group_members')).toBe(0)
    expect(countRows(dir.storePath, 'audit_log', "action = 'accounts.import'")).toBe(0)
  })

  it('refuses text that is not UTF-8, naming the line, rather than storing U+FFFD in a name', async () => {
    const latin1 = Buffer.concat([Buffer.from('- alice\n- Jos'), Buffer.from([0xe9]), Buffer.from('\n')])
    const result = await runCli(['accounts', 'import', '-'], {store: dir.storePath, input: latin1})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/line 2 of stdin is not UTF-8 text/)
    expect(countRows(dir.storePath, 'accounts')).toBe(0)
  })

  it('reports a missing file with exit 2', async () => {
    const result = await runCli(['accounts', 'import', join(dir.path, 'nope.yaml')], {store: dir.storePath})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/no such file/)
  })
})
