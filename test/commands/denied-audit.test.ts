import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {queryRows} from '../helpers/store.js'

/**
 * Issue 10, item 16: a denied `accounts delete` was audited as `accounts.get`, because the command looked the account
 * up (to name it in its question) before deleting it. A refusal is audited as the action that was attempted; the
 * other commands that look something up before changing it are checked the same way.
 */
let dir: TempDir
let alice: string
let bob: string
let aliceToken: string
let bobTokenJti: string
let adminKeyId: string

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, {store: dir.storePath, env})
const lastDenial = () =>
  queryRows<{action: string; target: string | null; actor: string}>(
    dir.storePath,
    "SELECT action, target, actor FROM audit_log WHERE outcome = 'denied' ORDER BY id DESC LIMIT 1",
  )[0]

beforeAll(async () => {
  dir = tempDir()
  alice = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})).json.id
  bob = (await runJson<{id: string}>(['accounts', 'create', '-n', 'bob'], {store: dir.storePath})).json.id
  await run(['groups', 'create', 'ops'])
  aliceToken = (await run(['tokens', 'create', '-i', alice, '--role', 'AuditDeveloper'])).stdout.trim()
  bobTokenJti = (await runJson<{jti: string}>(['tokens', 'create', '-i', bob, '--role', 'AuditDeveloper'], {store: dir.storePath})).json.jti
  adminKeyId = (await runJson<{id: string}>(['admin-key', 'create', '--label', 'ops'], {store: dir.storePath})).json.id
}, 180_000)
afterAll(() => dir.cleanup())

describe('a refusal is audited as the attempted action', () => {
  it("tokens revoke of another account's token: not found for the caller (exit 4), audited as the refused revocation", async () => {
    const result: CliResult = await run(['tokens', 'revoke', bobTokenJti, '--yes'], {ACCESSCTL_TOKEN: aliceToken})
    expect(result.code, result.stderr).toBe(4)
    expect(result.stderr).toContain(`no recorded token with id ${bobTokenJti}`)
    expect(lastDenial()).toMatchObject({action: 'tokens.revoke', target: `token:${bobTokenJti}`, actor: expect.stringMatching(`^account:${alice}/token:`)})
  })

  it.each<[string, () => string[], string, () => string]>([
    ['accounts delete', () => ['accounts', 'delete', '-i', bob, '--yes'], 'accounts.delete', () => `account:${bob}`],
    ['groups delete', () => ['groups', 'delete', 'ops', '--yes'], 'groups.delete', () => 'group:ops'],
    ['admin-key delete', () => ['admin-key', 'delete', adminKeyId, '--yes'], 'admin-key.delete', () => `admin-key:${adminKeyId}`],
    ['admin-key delete of an unknown id', () => ['admin-key', 'delete', '0123456789abcdef', '--yes'], 'admin-key.delete', () => 'admin-key:0123456789abcdef'],
    ['tokens keys retire of an unknown kid', () => ['tokens', 'keys', 'retire', 'no-such-kid', '--yes'], 'tokens.keys.retire', () => 'signing-key:no-such-kid'],
  ])('%s by a token that may not: exit 3, audited as that action', async (_label, args, action, target) => {
    const result: CliResult = await run(args(), {ACCESSCTL_TOKEN: aliceToken})
    expect(result.code, result.stderr).toBe(3)
    expect(lastDenial()).toMatchObject({action, target: target(), actor: expect.stringMatching(`^account:${alice}/token:`)})
  })
})
