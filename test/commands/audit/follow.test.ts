import {chmodSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import type {AuditEntry} from '../../../src/domain/audit.js'
import {expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {Follower} from '../../helpers/follower.js'
import {KEYS, PtySession} from '../../helpers/pty.js'
import {countRows} from '../../helpers/store.js'

/** Issue 20, item 5: `audit list --follow` prints the selected rows, then new ones as other processes write them. */
describe('audit list --follow', () => {
  let dir: TempDir
  let adminKey: string
  let aliceToken: string
  const followers: Follower[] = []
  const follow = (args: string[], env?: Record<string, string>) => {
    const follower = new Follower(['audit', 'list', '--follow', ...args], {store: dir.storePath, env})
    followers.push(follower)
    return follower
  }

  const write = async (...args: string[]) => {
    const result = await runCli(args, {store: dir.storePath})
    expect(result.code, result.stderr).toBe(0)
  }

  const parsed = (lines: readonly string[]) => lines.map((line) => JSON.parse(line) as AuditEntry)

  beforeAll(async () => {
    dir = tempDir()
    await write('accounts', 'create', '-n', 'alice')
    await write('groups', 'create', 'devops')
    adminKey = (await runCli(['admin-key', 'create', '--label', 'follow'], {store: dir.storePath})).stdout.trim()
    aliceToken = (await runCli(['tokens', 'create', '-i', 'alice', '--role', 'Admin'], {store: dir.storePath})).stdout.trim()
  })
  afterEach(() => {
    for (const follower of followers.splice(0)) follower.stop()
  })
  afterAll(() => dir.cleanup())

  it('--json: the selected rows oldest first, then each row other processes write, in order and exactly once', async () => {
    const before = countRows(dir.storePath, 'audit_log')
    const follower = follow(['--json'])
    const initial = parsed(await follower.waitForLines(before))
    expect(initial.map((row) => row.id)).toEqual([...initial.map((row) => row.id)].sort((a, b) => a - b))
    expect(initial.at(-1)!.id).toBe(before)

    await write('groups', 'create', 'followed-1')
    await write('groups', 'create', 'followed-2')
    await write('groups', 'delete', 'followed-1', '--yes')
    const rows = parsed(await follower.waitForLines(before + 3))
    const added = rows.slice(before)
    expect(added.map((row) => [row.action, row.target])).toEqual([
      ['groups.create', 'group:followed-1'],
      ['groups.create', 'group:followed-2'],
      ['groups.delete', 'group:followed-1'],
    ])
    // Every object is a whole row, as audit list --json has them.
    expect(Object.keys(added[0]).sort()).toEqual(['action', 'actor', 'at', 'detail', 'id', 'outcome', 'target'])

    // A few polls later, nothing was printed twice.
    await new Promise((resolve) => setTimeout(resolve, 700))
    follower.signal('SIGINT')
    const result = await follower.exit()
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expectNoStackTrace(result)
    const ids = parsed(follower.lines).map((row) => row.id)
    expect(ids).toEqual([...new Set(ids)])
    expect(ids).toHaveLength(before + 3)
  })

  it('human lines as audit list pipes them; the filters hold for new rows; SIGTERM ends it with exit 0', async () => {
    const follower = follow(['--action', 'groups', '--limit', '1'])
    const [first] = await follower.waitForLines(1)
    const listed = await runCli(['audit', 'list', '--action', 'groups', '--limit', '1'], {store: dir.storePath})
    expect(`${first}\n`).toBe(listed.stdout)

    await write('accounts', 'create', '-n', 'not-a-group-change')
    await write('groups', 'create', 'followed-3')
    const lines = await follower.waitForLines(2)
    expect(lines[1].split('\t')).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT/), expect.stringMatching(/^operator:/), 'groups.create', 'group:followed-3', 'ok'])

    follower.signal('SIGTERM')
    const result = await follower.exit()
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).not.toContain('accounts.create')
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(2)
  })

  it('on a terminal: the header once, new rows under it, and Ctrl-C ends it with exit 0', async () => {
    const session = new PtySession(['audit', 'list', '--follow', '--limit', '2'], {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor(/TIME\s+ACTOR\s+ACTION\s+TARGET\s+OUTCOME/)
    await write('groups', 'create', 'seen-on-a-terminal')
    await session.waitFor('group:seen-on-a-terminal')
    session.type(KEYS.ctrlC)
    expect(await session.exit()).toBe(0)
    // The terminal echoes the key as ^C.
    const lines = session.text.split(/\r?\n/).filter((line) => line !== '' && line !== '^C')
    expect(lines.filter((line) => line.startsWith('TIME'))).toHaveLength(1)
    expect(lines, session.text).toHaveLength(4)
    // The new row's columns start where the header's do.
    const header = lines[0]
    const row = lines[3]
    expect(row.indexOf('groups.create')).toBe(header.indexOf('ACTION'))
    expect(session.text).not.toMatch(/\n\s+at .+:\d+:\d+/)
  })

  it.each([{format: ['--json']}, {format: []}])('$format: a reader that closed the pipe (| head) ends it with exit 0 at its next row', async ({format}) => {
    const follower = follow([...format, '--limit', '1'])
    await follower.waitForLines(1)
    follower.closeOutput()
    // Enough rows to fill the pipe: a follower waiting for a reader to drain it would wait forever.
    for (let i = 0; i < 3; i++) await write('accounts', 'create', '-n', `reader-gone-${format.length}-${i}`)
    const result = await follower.exit()
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
  })

  it('--until ends it at that time with exit 0, after showing what was written before then', async () => {
    const started = Date.now()
    const follower = follow(['--json', '--outcome', 'ok', '--limit', '1', '--until', '3s'])
    await follower.waitForLines(1)
    await write('groups', 'create', 'followed-4')
    const result = await follower.exit()
    const elapsed = Date.now() - started
    expect(result.code).toBe(0)
    expect(elapsed).toBeGreaterThanOrEqual(2500)
    expect(elapsed).toBeLessThan(20_000)
    expect(parsed(follower.lines).at(-1)!.target).toBe('group:followed-4')

    const past = await runCli(['audit', 'list', '--follow', '--limit', '1', '--until', '2020-01-01T00:00:00Z'], {store: dir.storePath})
    expect(past.code).toBe(0)
    expect(past.stdout.trimEnd().split('\n')).toHaveLength(1)
  })

  it('follows as audit list lists: the operator and an admin key may, a plain account token may not (exit 3)', async () => {
    const withKey = follow(['--json', '--limit', '1', '--until', '1s'], {ACCESSCTL_ADMIN_KEY: adminKey})
    expect((await withKey.exit()).code).toBe(0)
    expect(parsed(withKey.lines)).toHaveLength(1)

    const denied = follow(['--json', '--until', '1s'], {ACCESSCTL_TOKEN: aliceToken})
    const result = await denied.exit()
    expect(result.code).toBe(3)
    expect(JSON.parse(result.stdout)).toMatchObject({error: {code: 'denied', exitCode: 3}})
    const plain = follow(['--until', '1s'], {ACCESSCTL_TOKEN: aliceToken})
    const shown = await plain.exit()
    expect(shown.code).toBe(3)
    expect(shown.stdout).toBe('')
    expect(shown.stderr).toMatch(/^Error: permission denied/)
    expectNoStackTrace(shown)
  })

  it('a locked store needs a credential to follow, as to list', async () => {
    const locked = tempDir()
    try {
      const key = (await runCli(['admin-key', 'create', '--label', 'break-glass'], {store: locked.storePath})).stdout.trim()
      expect((await runCli(['store', 'lock', '--yes'], {store: locked.storePath})).code).toBe(0)
      const operator = await runCli(['audit', 'list', '--follow', '--until', '1s'], {store: locked.storePath})
      expect(operator.code).toBe(3)
      expect(operator.stdout).toBe('')
      const withKey = await runCli(['audit', 'list', '--follow', '--until', '1s'], {store: locked.storePath, env: {ACCESSCTL_ADMIN_KEY: key}})
      expect(withKey.code).toBe(0)
      expect(withKey.stdout).toContain('store.lock')
    } finally {
      locked.cleanup()
    }
  })

  it.each([
    [['--until', '1s'], /--until.*--follow/s],
    [['--follow', '--until', 'yesterday'], /--until takes an ISO 8601 time .* or a duration like 10m; got 'yesterday'/],
    [['--follow', '--until', '0s'], /--until must be longer than zero/],
    [['--follow', '--until', '2026-02-30'], /--until takes an ISO 8601 time/],
    [['--follow', '--until', `${'9'.repeat(500)}h`], /--until '9+…?' is too long|--until .* is too long/],
    [['--follow', '--since', 'soon'], /--since takes an ISO 8601 time/],
    [['--follow', '--outcome', 'maybe'], /--outcome takes one of: ok, denied/],
    [['--follow', '--limit', '0'], /--limit/],
  ])('%j: exit 2, nothing printed on stdout, nothing written', async (args, message) => {
    const audit = countRows(dir.storePath, 'audit_log')
    const result = await runCli(['audit', 'list', ...args], {store: dir.storePath})
    expect(result.code, result.stderr).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(message)
    expectNoStackTrace(result)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audit)
  })

  it('a store deleted while followed ends it with exit 6 and a clear message', async () => {
    const gone = tempDir()
    try {
      await runCli(['groups', 'create', 'soon-gone'], {store: gone.storePath})
      const follower = new Follower(['audit', 'list', '--follow'], {store: gone.storePath})
      followers.push(follower)
      await follower.waitForLines(1)
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${gone.storePath}${suffix}`, {force: true})
      const result = await follower.exit()
      expect(result.code).toBe(6)
      expect(result.stderr).toBe(`Error: the store at ${gone.storePath} is gone (deleted or moved away) while it was followed\n`)
      expectNoStackTrace(result)
    } finally {
      gone.cleanup()
    }
  })

  // root reads whatever the mode says, so only another user can see a store become unreadable.
  it.skipIf(process.getuid?.() === 0)('a store made unreadable while followed ends it with exit 6', async () => {
    const shut = tempDir()
    try {
      await runCli(['groups', 'create', 'soon-shut'], {store: shut.storePath})
      const follower = new Follower(['audit', 'list', '--follow'], {store: shut.storePath})
      followers.push(follower)
      await follower.waitForLines(1)
      chmodSync(shut.storePath, 0o000)
      const result = await follower.exit()
      expect(result.code).toBe(6)
      expect(result.stderr).toMatch(/^Error: the store at .* is unreadable: .* while it was followed\n/)
    } finally {
      shut.cleanup()
    }
  })

  it('a store replaced by another file while followed ends it with exit 6', async () => {
    const replaced = tempDir()
    try {
      await runCli(['groups', 'create', 'soon-replaced'], {store: replaced.storePath})
      const follower = new Follower(['audit', 'list', '--follow', '--json'], {store: replaced.storePath})
      followers.push(follower)
      await follower.waitForLines(1)
      const other = join(replaced.path, 'other')
      writeFileSync(other, 'not a store')
      renameSync(other, replaced.storePath)
      const result = await follower.exit()
      expect(result.code).toBe(6)
      expect(JSON.parse(follower.lines.slice(1).join('\n'))).toMatchObject({error: {code: 'store_unusable', exitCode: 6}})
      expect(result.stdout).toContain('was replaced by another file while it was followed')
    } finally {
      replaced.cleanup()
    }
  })

  it('a follower that only waits costs no CPU to speak of (it sleeps between polls)', async () => {
    const follower = follow(['--json', '--limit', '1'])
    await follower.waitForLines(1)
    const pid = (follower as unknown as {child: {pid: number}}).child.pid
    const cpu = () => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return Number(fields[11]) + Number(fields[12])
    }

    const start = cpu()
    await new Promise((resolve) => setTimeout(resolve, 2000))
    // utime + stime in clock ticks (100 a second): a busy loop would burn ~200 in these 2 seconds.
    expect(cpu() - start).toBeLessThan(40)
  })
})

describe('audit list --follow, the help', () => {
  it('documents --follow and --until', async () => {
    const {stdout} = await runCli(['audit', 'list', '--help'])
    expect(stdout).toMatch(/--follow/)
    expect(stdout).toMatch(/--until=<value>\s+With --follow: stop at this time/)
  })

  it('audit list without --follow still prints one JSON document', async () => {
    const dir = tempDir()
    try {
      await runCli(['groups', 'create', 'one'], {store: dir.storePath})
      const {json} = await runJson<{items: AuditEntry[]}>(['audit', 'list'], {store: dir.storePath})
      expect(json.items).toHaveLength(1)
    } finally {
      dir.cleanup()
    }
  })
})
