import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AccountDetails} from '../../../src/domain/accounts.js'
import {type ErrorJson, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'

describe('accounts get', () => {
  let dir: TempDir
  let id: string
  beforeAll(async () => {
    dir = tempDir()
    await runCli(['groups', 'create', 'devops'], {store: dir.storePath})
    const created = await runJson<{id: string}>(['accounts', 'create', '-n', 'alice@example.com', '-g', 'devops'], {
      store: dir.storePath,
    })
    id = created.json.id
  })
  afterAll(() => dir.cleanup())

  it('finds an account by name and by id, with its groups', async () => {
    const byName = await runJson<AccountDetails>(['accounts', 'get', '-n', 'alice@example.com'], {store: dir.storePath})
    const byId = await runJson<AccountDetails>(['accounts', 'get', '-i', id], {store: dir.storePath})
    expect(byName.code).toBe(0)
    expect(byName.json).toEqual(byId.json)
    expect(byName.json).toMatchObject({id, name: 'alice@example.com', groups: ['everyone', 'devops'], activeTokenCount: 0})
  })

  it('prints the fields for a person', async () => {
    const result = await runCli(['accounts', 'get', '-i', id], {store: dir.storePath})
    expect(result.stdout).toContain(`id:`)
    expect(result.stdout).toContain(id)
    expect(result.stdout).toMatch(/groups:\s+everyone, devops/)
  })

  it.each([
    ['neither flag', [], 2, /Exactly one of the following must be provided/],
    ['both flags', ['-n', 'a', '-i', '3076c505c36b46bdad1cf1abefaeb580'], 2, /cannot also be provided/],
    // -i takes a name too (issue 13.3): what is neither an id nor a name is not found.
    ['an unknown id or name', ['-i', 'not-an-id'], 4, /no account with id or name 'not-an-id'/],
    ['an unknown id', ['-i', '3076c505c36b46bdad1cf1abefaeb580'], 4, /no account with id/],
    ['an unknown name', ['-n', 'nobody'], 4, /no account named 'nobody'/],
  ])('answers %s with the right exit code', async (_label, args, exitCode, message) => {
    const result = await runJson<ErrorJson>(['accounts', 'get', ...(args as string[])], {store: dir.storePath})
    expect(result.code).toBe(exitCode)
    expect(result.json.error.exitCode).toBe(exitCode)
    expect(result.json.error.message).toMatch(message)
  })
})
