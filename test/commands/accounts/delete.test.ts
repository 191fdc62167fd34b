import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AccountDeletion} from '../../../src/domain/accounts.js'
import {type ErrorJson, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

async function createAccount(store: string, name: string, ...extra: string[]): Promise<string> {
  const {json} = await runJson<{id: string}>(['accounts', 'create', '-n', name, ...extra], {store})
  return json.id
}

/** Gives an account a service directly in SQL: the service commands are not needed to test the ownership rule. */
function giveService(store: string, accountId: string, serviceId: string): void {
  const db = new Database(store)
  db.prepare("INSERT INTO services (id, owner_account_id, created_at, created_by) VALUES (?, ?, 'now', 'test')").run(
    serviceId,
    accountId,
  )
  db.close()
}

describe('accounts delete', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('deletes the account and its memberships with --yes', async () => {
    await runCli(['groups', 'create', 'devops'], {store: dir.storePath})
    const id = await createAccount(dir.storePath, 'alice', '-g', 'devops')
    const result = await runJson<AccountDeletion>(['accounts', 'delete', '-i', id, '--yes'], {store: dir.storePath})
    expect(result.code).toBe(0)
    expect(result.json).toMatchObject({account: {id, name: 'alice'}, removedMemberships: 1, transferredTo: null})
    expect(countRows(dir.storePath, 'accounts')).toBe(0)
    expect(countRows(dir.storePath, 'group_members')).toBe(0)
    expect(countRows(dir.storePath, 'audit_log', "action = 'accounts.delete' AND target = ?", `account:${id}`)).toBe(1)
  })

  it('needs --yes when no terminal is attached, and deletes nothing without it', async () => {
    const id = await createAccount(dir.storePath, 'alice')
    const result = await runCli(['accounts', 'delete', '-i', id], {store: dir.storePath})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/confirmation needed/)
    expect(result.stderr).toMatch(/--yes/)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('refuses while the account owns a service, and transfers with --transfer-to', async () => {
    const alice = await createAccount(dir.storePath, 'alice')
    const bob = await createAccount(dir.storePath, 'bob')
    giveService(dir.storePath, alice, 'fraud-scoring')

    const refused = await runJson<ErrorJson>(['accounts', 'delete', '-i', alice, '--yes'], {store: dir.storePath})
    expect(refused.code).toBe(5)
    expect(refused.json.error.message).toMatch(/still owns 1 service/)
    expect(countRows(dir.storePath, 'accounts', 'id = ?', alice)).toBe(1)

    const moved = await runJson<AccountDeletion>(['accounts', 'delete', '-i', alice, '--transfer-to', 'bob', '--yes'], {
      store: dir.storePath,
    })
    expect(moved.code).toBe(0)
    expect(moved.json.transferred).toEqual({services: 1, infrastructures: 0, deployments: 0})
    expect(countRows(dir.storePath, 'services', 'owner_account_id = ?', bob)).toBe(1)
  })

  it.each([
    // -i takes a name too (issue 13.3): what is neither an id nor a name is not found.
    ['an unknown id or name', ['-i', 'zzz'], 4],
    ['an unknown id', ['-i', '0123456789abcdef0123456789abcdef'], 4],
    ['a missing id', [], 2],
  ])('refuses %s', async (_label, args, exitCode) => {
    await createAccount(dir.storePath, 'alice')
    const result = await runCli(['accounts', 'delete', ...args, '--yes'], {store: dir.storePath})
    expect(result.code).toBe(exitCode)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('refuses to transfer to the account itself or to an unknown account', async () => {
    const alice = await createAccount(dir.storePath, 'alice')
    giveService(dir.storePath, alice, 'svc')
    const self = await runCli(['accounts', 'delete', '-i', alice, '--transfer-to', alice, '--yes'], {store: dir.storePath})
    expect(self.code).toBe(2)
    const unknown = await runCli(['accounts', 'delete', '-i', alice, '--transfer-to', 'nobody', '--yes'], {
      store: dir.storePath,
    })
    expect(unknown.code).toBe(4)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })
})
