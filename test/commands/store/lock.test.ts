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
    expect(result.json.error.message).toMatch(/no admin key that never expires/)
  })

  // Issue 10, item 6: once the only admin key expired, nothing could unlock the store.
  it('needs an admin key that never expires: expiring keys alone are exit 5 with a hint, and nothing is locked', async () => {
    await runJson<CreatedAdminKey>(['admin-key', 'create', '--label', 'short', '--ttl', '1h'], {store: dir.storePath})
    const refused = await runJson<ErrorJson>(['store', 'lock', '--yes'], {store: dir.storePath})
    expect(refused.code).toBe(5)
    expect(refused.json.error.message).toMatch(/no admin key that never expires/)
    expect((refused.json.error as {hint?: string}).hint).toMatch(/admin-key create --label break-glass/)
    expect(countRows(dir.storePath, 'settings', "key = 'locked'")).toBe(0)
    expect((await run(['accounts', 'list'])).code).toBe(0)

    await runJson<CreatedAdminKey>(['admin-key', 'create', '--label', 'break-glass'], {store: dir.storePath})
    expect((await run(['store', 'lock', '--yes'])).code).toBe(0)
  })

  it('the last admin key that never expires of a locked store cannot be deleted, even with expiring keys left', async () => {
    const {json: lasting} = await runJson<CreatedAdminKey>(['admin-key', 'create', '--label', 'break-glass'], {store: dir.storePath})
    const {json: short} = await runJson<CreatedAdminKey>(['admin-key', 'create', '--label', 'short', '--ttl', '1h'], {store: dir.storePath})
    expect((await run(['store', 'lock', '--yes'])).code).toBe(0)
    const asLasting = {ACCESSCTL_ADMIN_KEY: lasting.key}

    for (const keyOrId of [lasting.id, lasting.key]) {
      const refused = await runJson<ErrorJson>(['admin-key', 'delete', keyOrId, '--yes'], {store: dir.storePath, env: {ACCESSCTL_ADMIN_KEY: short.key}})
      expect(refused.code).toBe(5)
      expect(refused.json.error.message).toMatch(/last admin key that never expires/)
    }

    expect(countRows(dir.storePath, 'admin_keys')).toBe(2)
    // The expiring key may go; a second lasting key lets the first one go.
    expect((await run(['admin-key', 'delete', short.id, '--yes'], asLasting)).code).toBe(0)
    const {json: another} = await runJson<CreatedAdminKey>(['admin-key', 'create', '--label', 'spare'], {store: dir.storePath, env: asLasting})
    expect((await run(['admin-key', 'delete', lasting.id, '--yes'], {ACCESSCTL_ADMIN_KEY: another.key})).code).toBe(0)
    expect((await run(['store', 'unlock'], {ACCESSCTL_ADMIN_KEY: another.key})).code).toBe(0)
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
