import {existsSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AccountsCreateResult} from '../../../src/commands/accounts/create.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

describe('accounts create', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('prints exactly the seed line with a 32-hex id and stores the account', async () => {
    const result = await runCli(['accounts', 'create', '-n', 'alice@example.com'], {store: dir.storePath})
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^created account: 'alice@example\.com' \([0-9a-f]{32}\)\n$/)
    expect(result.stderr).toBe('')
    expect(countRows(dir.storePath, 'accounts', 'name = ?', 'alice@example.com')).toBe(1)
  })

  it('uses the XDG default store path, created 0700/0600', async () => {
    const result = await runCli(['accounts', 'create', '-n', 'alice@example.com'], {
      env: {XDG_DATA_HOME: dir.path, ACCESSCTL_STORE: undefined},
    })
    expect(result.code).toBe(0)
    const store = join(dir.path, 'accessctl', 'store.db')
    expect(existsSync(store)).toBe(true)
    expect(statSync(store).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir.path, 'accessctl')).mode & 0o777).toBe(0o700)
  })

  it('--store wins over ACCESSCTL_STORE', async () => {
    const other = join(dir.path, 'other.db')
    const result = await runCli(['accounts', 'create', '-n', 'a', '--store', other], {store: dir.storePath})
    expect(result.code).toBe(0)
    expect(existsSync(dir.storePath)).toBe(false)
    expect(countRows(other, 'accounts')).toBe(1)
  })

  it('returns the account as JSON with camelCase fields', async () => {
    const {code, json} = await runJson<AccountsCreateResult>(['accounts', 'create', '-n', 'bob', '--group', 'ops'], {
      store: dir.storePath,
    })
    // The group does not exist: nothing is created.
    expect(code).toBe(4)
    expect((json as unknown as ErrorJson).error).toMatchObject({code: 'not_found', exitCode: 4})
    expect(countRows(dir.storePath, 'accounts')).toBe(0)

    expect((await runCli(['groups', 'create', 'ops'], {store: dir.storePath})).code).toBe(0)
    const created = await runJson<AccountsCreateResult>(['accounts', 'create', '-n', 'bob', '--group', 'ops'], {
      store: dir.storePath,
    })
    expect(created.code).toBe(0)
    expect(Object.keys(created.json).sort()).toEqual(['createdAt', 'groups', 'id', 'name'])
    expect(created.json).toMatchObject({name: 'bob', groups: ['ops']})
    expect(countRows(dir.storePath, 'group_members', 'account_id = ?', created.json.id)).toBe(1)
  })

  it('stores names literally, SQL-looking and unicode alike', async () => {
    for (const name of ["Robert'); DROP TABLE accounts;--", 'ünïcødé 名前 🙂', 'spaced out']) {
      const {code, json} = await runJson<AccountsCreateResult>(['accounts', 'create', '-n', name], {store: dir.storePath})
      expect(code).toBe(0)
      expect(json.name).toBe(name)
    }

    expect(countRows(dir.storePath, 'accounts')).toBe(3)
  })

  it.each([
    ['an empty name', ['-n', ''], 2, /--name is empty/],
    ['a name over 254 characters', ['-n', 'x'.repeat(255)], 2, /at most 254 characters/],
    ['a missing name', [], 2, /Missing required flag/],
    ['an unknown flag', ['-n', 'a', '--bogus'], 2, /unknown flag: '--bogus'/],
  ])('refuses %s with exit 2 and writes nothing', async (_label, args, exitCode, message) => {
    const result = await runCli(['accounts', 'create', ...args], {store: dir.storePath})
    expect(result.code).toBe(exitCode)
    expect(result.stderr).toMatch(message)
    expect(result.stdout).toBe('')
    expectNoStackTrace(result)
    if (existsSync(dir.storePath)) expect(countRows(dir.storePath, 'accounts')).toBe(0)
  })

  it('refuses a duplicate name with exit 5', async () => {
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    const result = await runJson<ErrorJson>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    expect(result.code).toBe(5)
    expect(result.json.error).toEqual({code: 'conflict', exitCode: 5, message: "an account named 'alice' already exists"})
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('refuses to put an account explicitly in everyone', async () => {
    const result = await runCli(['accounts', 'create', '-n', 'a', '-g', 'everyone'], {store: dir.storePath})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/every account is in 'everyone' already/)
  })
})
