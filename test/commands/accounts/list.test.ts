import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AccountsListResult} from '../../../src/commands/accounts/list.js'
import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'

describe('accounts list', () => {
  let dir: TempDir
  beforeAll(async () => {
    dir = tempDir()
    await runCli(['groups', 'create', 'devops'], {store: dir.storePath})
    for (const name of ['carol', 'alice', 'bob']) {
      await runCli(['accounts', 'create', '-n', name, ...(name === 'bob' ? ['-g', 'devops'] : [])], {store: dir.storePath})
    }
  })
  afterAll(() => dir.cleanup())

  it('lists by name, tab-separated when piped', async () => {
    const result = await runCli(['accounts', 'list'], {store: dir.storePath})
    expect(result.code).toBe(0)
    const rows = result.stdout.trim().split('\n').map((line) => line.split('\t'))
    expect(rows.map((row) => row[1])).toEqual(['alice', 'bob', 'carol'])
    expect(rows.every((row) => /^[0-9a-f]{32}$/.test(row[0]))).toBe(true)
  })

  it('pages with --limit and --offset and says where the next page starts', async () => {
    const first = await runJson<AccountsListResult>(['accounts', 'list', '--limit', '2'], {store: dir.storePath})
    expect(first.json.items.map((a) => a.name)).toEqual(['alice', 'bob'])
    expect(first.json.nextOffset).toBe(2)
    const second = await runJson<AccountsListResult>(['accounts', 'list', '--limit', '2', '--offset', '2'], {
      store: dir.storePath,
    })
    expect(second.json.items.map((a) => a.name)).toEqual(['carol'])
    expect(second.json.nextOffset).toBeNull()
  })

  it('filters by group', async () => {
    const {json} = await runJson<AccountsListResult>(['accounts', 'list', '--group', 'devops'], {store: dir.storePath})
    expect(json.items.map((a) => a.name)).toEqual(['bob'])
  })

  it.each([
    [['--limit', '0'], 2],
    [['--limit', 'many'], 2],
    [['--offset', '-1'], 2],
    [['--group', 'nosuch'], 4],
    [['--group', 'Bad Name'], 2],
  ])('rejects %j with exit %i', async (args, exitCode) => {
    const result = await runCli(['accounts', 'list', ...args], {store: dir.storePath})
    expect(result.code).toBe(exitCode)
    expect(result.stdout).toBe('')
  })
})
