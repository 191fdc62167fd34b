import Database from 'better-sqlite3'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {PtySession} from '../../helpers/pty.js'

/**
 * Issue 20, item 7: the plan of apply, apply --dry-run and diff is coloured by what a line does (+ green, ~ yellow,
 * - red) on a terminal, and nowhere else: not in a pipe, not with NO_COLOR.
 */
const GREEN = '\u001B[32m'
const YELLOW = '\u001B[33m'
const RED = '\u001B[31m'
/** A name that clears the screen and retitles the window if printed as it is. */
const HOSTILE = 'legacy\u001B[2J\u001B]0;pwned\u0007'

describe('plans in colour', () => {
  let dir: TempDir
  let file: string

  beforeEach(async () => {
    dir = tempDir()
    expect((await runCli(['groups', 'create', 'ops'], {store: dir.storePath})).code).toBe(0)
    expect((await runCli(['groups', 'create', 'stray'], {store: dir.storePath})).code).toBe(0)
    file = join(dir.path, 'access.yaml')
    // ops changes (admin), devops is new, stray is not named: --prune removes it.
    writeFileSync(file, 'apiVersion: accessctl/v1\ngroups:\n  - name: ops\n    admin: true\n  - name: devops\n')
  })
  afterEach(() => dir.cleanup())

  const onTerminal = async (args: string[], env: Record<string, string>, exitCode: number) => {
    const session = new PtySession(args, {ACCESSCTL_STORE: dir.storePath, TERM: 'xterm-256color', ...env})
    expect(await session.exit(), session.text).toBe(exitCode)
    // The raw output: .text strips the escape sequences this test is about.
    return (session as unknown as {output: string}).output
  }

  it.each([
    ['diff', ['diff', '-f', 'FILE', '--prune'], 10],
    ['apply --dry-run', ['apply', '-f', 'FILE', '--prune', '--dry-run', '--yes'], 0],
    ['apply', ['apply', '-f', 'FILE', '--prune', '--yes'], 0],
  ])('%s on a terminal: + green, ~ yellow, - red', async (_name, args, exitCode) => {
    const raw = await onTerminal(args.map((arg) => (arg === 'FILE' ? file : arg)), {NO_COLOR: ''}, exitCode)
    expect(raw).toContain(`${GREEN}+ create group devops`)
    expect(raw).toContain(`${YELLOW}~ change group ops: admin false -> true`)
    expect(raw).toContain(`${RED}- remove group stray`)
    expect(raw).toMatch(/to remove\r?\n/)
  })

  it('a name from the store inside a coloured line stays escaped: the colours are the only escape sequences', async () => {
    // Names are checked now; a store written before that may still hold one like this.
    const db = new Database(dir.storePath)
    try {
      db.prepare("INSERT INTO groups (name, created_at) VALUES (?, '2026-01-01T00:00:00.000Z')").run(HOSTILE)
    } finally {
      db.close()
    }

    const raw = await onTerminal(['diff', '-f', file, '--prune'], {NO_COLOR: ''}, 10)
    expect(raw).toContain(`${RED}- remove group legacy\\x1b[2J\\x1b]0;pwned\\x07`)
    // eslint-disable-next-line no-control-regex
    const sequences = raw.match(/\u001B[^m]*m|\u001B./g) ?? []
    expect(sequences.length).toBeGreaterThanOrEqual(8)
    // eslint-disable-next-line no-control-regex
    for (const sequence of sequences) expect(sequence).toMatch(/^\u001B\[\d+m$/)
    expect(raw).not.toContain('\u0007')
  })

  it('NO_COLOR (non-empty) on a terminal: the same plan without colour', async () => {
    const raw = await onTerminal(['diff', '-f', file, '--prune'], {NO_COLOR: '1'}, 10)
    expect(raw).toContain('+ create group devops')
    expect(raw).not.toContain('\u001B')
  })

  it('piped: no colour, for apply and diff alike', async () => {
    const diff = await runCli(['diff', '-f', file, '--prune'], {store: dir.storePath, env: {NO_COLOR: undefined}})
    expect(diff.code).toBe(10)
    expect(diff.stdout).toContain('~ change group ops: admin false -> true')
    expect(diff.stdout).toContain('- remove group stray')
    expect(diff.stdout).not.toContain('\u001B')
    const applied = await runCli(['apply', '-f', file, '--prune', '--yes'], {store: dir.storePath, env: {NO_COLOR: undefined}})
    expect(applied.code).toBe(0)
    expect(applied.stdout).toContain('+ create group devops')
    expect(applied.stdout).not.toContain('\u001B')
  })
})
