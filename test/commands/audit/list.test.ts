import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuditEntry} from '../../../src/domain/audit.js'
import type {PageOf} from '../../../src/domain/context.js'
import type {CreatedAdminKey} from '../../../src/domain/admin-keys.js'
import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'

describe('audit list', () => {
  let dir: TempDir
  let key: CreatedAdminKey
  const list = (...args: string[]) => runJson<PageOf<AuditEntry>>(['audit', 'list', ...args], {store: dir.storePath})

  beforeAll(async () => {
    dir = tempDir()
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    await runCli(['groups', 'create', 'devops'], {store: dir.storePath})
    key = (await runJson<CreatedAdminKey>(['admin-key', 'create'], {store: dir.storePath})).json
    await runCli(['accounts', 'create', '-n', 'bob'], {store: dir.storePath, env: {ACCESSCTL_ADMIN_KEY: key.key}})
    await runCli(['store', 'unlock'], {store: dir.storePath})
  })
  afterAll(() => dir.cleanup())

  it('lists every change and denied attempt, newest first, with who did it', async () => {
    const {code, json} = await list()
    expect(code).toBe(0)
    expect(json.items.map((e) => [e.action, e.outcome])).toEqual([
      ['store.unlock', 'denied'],
      ['accounts.create', 'ok'],
      ['admin-key.create', 'ok'],
      ['groups.create', 'ok'],
      ['accounts.create', 'ok'],
    ])
    expect(json.items[1].actor).toBe(`admin-key:${key.id}`)
    expect(json.items[0].detail).toMatch(/needs an admin key/)
  })

  it('never holds a secret', async () => {
    const {stdout} = await list('--limit', '1000')
    expect(stdout).not.toContain(key.key)
  })

  it('filters by actor kind, exact actor, action topic, outcome and time, and pages', async () => {
    expect((await list('--actor', 'admin-key')).json.items).toHaveLength(1)
    expect((await list('--actor', `admin-key:${key.id}`)).json.items).toHaveLength(1)
    expect((await list('--actor', 'operator')).json.items).toHaveLength(4)
    expect((await list('--action', 'accounts')).json.items).toHaveLength(2)
    expect((await list('--action', 'accounts.create')).json.items).toHaveLength(2)
    expect((await list('--outcome', 'denied')).json.items).toHaveLength(1)
    expect((await list('--since', '1h')).json.items).toHaveLength(5)
    expect((await list('--since', '2999-01-01T00:00:00Z')).json.items).toHaveLength(0)
    const page = await list('--limit', '2', '--offset', '2')
    expect(page.json.items.map((e) => e.action)).toEqual(['admin-key.create', 'groups.create'])
    expect(page.json.nextOffset).toBe(4)
  })

  it('rejects bad filters with exit 2', async () => {
    for (const args of [['--since', 'yesterday'], ['--outcome', 'maybe'], ['--limit', '0']]) {
      expect((await runCli(['audit', 'list', ...args], {store: dir.storePath})).code).toBe(2)
    }
  })
})
