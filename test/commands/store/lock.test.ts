import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {CreatedAdminKey} from '../../../src/domain/admin-keys.js'
import {type ErrorJson, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

describe('store lock and unlock', () => {
  let dir: TempDir
  const run = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
    runCli(args, {store: dir.storePath, env, input})

  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('needs an admin key to exist before locking', async () => {
    const result = await runJson<ErrorJson>(['store', 'lock', '--yes'], {store: dir.storePath})
    expect(result.code).toBe(5)
    expect(result.json.error.message).toMatch(/no valid admin key/)
  })

  it('round trip: lock refuses the operator, admin keys work, unlock needs an admin key', async () => {
    const {json: key} = await runJson<CreatedAdminKey>(['admin-key', 'create', '--label', 'break-glass'], {
      store: dir.storePath,
    })
    expect((await run(['store', 'lock'])).code).toBe(2) // no terminal and no --yes
    expect((await run(['store', 'lock', '--yes'])).code).toBe(0)

    const refused = await run(['accounts', 'create', '-n', 'alice'])
    expect(refused.code).toBe(3)
    expect(refused.stderr).toBe('Error: store is locked: give an admin key or a token\n')
    expect((await run(['accounts', 'list'])).code).toBe(3)
    expect(countRows(dir.storePath, 'accounts')).toBe(0)

    // Verification needs no credential, even now.
    expect((await run(['admin-key', 'verify', key.key])).code).toBe(0)

    const withKey = await run(['accounts', 'create', '-n', 'alice'], {ACCESSCTL_ADMIN_KEY: key.key})
    expect(withKey.code).toBe(0)
    const byFlag = await run(['accounts', 'get', '-n', 'alice', '--admin-key', key.key])
    expect(byFlag.code).toBe(0)

    // The last key of a locked store cannot be deleted.
    expect((await run(['admin-key', 'delete', key.id, '--yes'], {ACCESSCTL_ADMIN_KEY: key.key})).code).toBe(5)

    expect((await run(['store', 'unlock'])).code).toBe(3)
    expect((await run(['store', 'unlock'], {ACCESSCTL_ADMIN_KEY: key.key})).code).toBe(0)
    expect((await run(['accounts', 'list'])).code).toBe(0)

    const denied = countRows(dir.storePath, 'audit_log', "outcome = 'denied' AND actor LIKE 'operator:%'")
    expect(denied).toBeGreaterThanOrEqual(3)
    expect(countRows(dir.storePath, 'audit_log', "action = 'store.lock' AND outcome = 'ok'")).toBe(1)
    expect(countRows(dir.storePath, 'audit_log', `action = 'store.unlock' AND outcome = 'ok' AND actor = 'admin-key:${key.id}'`)).toBe(1)
  })
})
