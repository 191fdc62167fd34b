import {existsSync, readFileSync} from 'node:fs'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {AdminKeyListResult} from '../../../src/commands/admin-key/list.js'
import type {AdminKeyVerifyResult} from '../../../src/commands/admin-key/verify.js'
import type {CreatedAdminKey} from '../../../src/domain/admin-keys.js'
import {type ErrorJson, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows, queryRows} from '../../helpers/store.js'

describe('admin-key', () => {
  let dir: TempDir
  const run = (args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
    runCli(args, {store: dir.storePath, env, input})
  const json = <T>(args: string[], env: Record<string, string | undefined> = {}) =>
    runJson<T>(args, {store: dir.storePath, env})

  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('creates a key printed once, alone on stdout, stored only as a hash', async () => {
    const created = await run(['admin-key', 'create', '--label', 'ci', '--description', 'deploy pipeline'])
    expect(created.code).toBe(0)
    const key = created.stdout.trim()
    expect(key).toMatch(/^acak_[A-Za-z0-9_-]{43}$/)
    expect(created.stdout).toBe(`${key}\n`)
    expect(created.stderr).toMatch(/will not be shown again/)

    const [row] = queryRows<{key_hash: string}>(dir.storePath, 'SELECT key_hash FROM admin_keys')
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/)
    expect(readFileSync(dir.storePath).includes(key)).toBe(false)

    const listed = await json<AdminKeyListResult>(['admin-key', 'list'])
    expect(listed.json.items).toHaveLength(1)
    expect(listed.json.items[0]).toMatchObject({label: 'ci', description: 'deploy pipeline', expiresAt: null, lastUsedAt: null})
    expect(listed.json.items[0].createdBy).toMatch(/^operator:/)
    expect(listed.stdout).not.toContain(key)
    expect(Object.keys(listed.json.items[0]).sort()).toEqual(
      ['createdAt', 'createdBy', 'description', 'expiresAt', 'id', 'label', 'lastUsedAt'].sort(),
    )
  })

  it('verifies a key from the argument or stdin, and records its use as a credential', async () => {
    const {json: created} = await json<CreatedAdminKey>(['admin-key', 'create', '--label', 'ops'])
    const fromArg = await json<AdminKeyVerifyResult>(['admin-key', 'verify', created.key])
    expect(fromArg.code).toBe(0)
    expect(fromArg.json).toEqual({valid: true, id: created.id, label: 'ops', expiresAt: null})
    const fromStdin = await run(['admin-key', 'verify'], {}, `${created.key}\n`)
    expect(fromStdin.code).toBe(0)
    expect(fromStdin.stdout).toBe(`valid: admin key ${created.id} (ops)\n`)

    for (const bad of [`${created.key}x`, 'acak_short', 'not-a-key']) {
      const result = await json<ErrorJson>(['admin-key', 'verify', bad])
      expect(result.code).toBe(3)
      expect(result.json.error.code).toBe('denied')
    }

    const empty = await run(['admin-key', 'verify'], {}, '')
    expect(empty.code).toBe(2)

    await run(['accounts', 'list'], {ACCESSCTL_ADMIN_KEY: created.key})
    const [row] = queryRows<{last_used_at: string | null}>(dir.storePath, 'SELECT last_used_at FROM admin_keys')
    expect(row.last_used_at).not.toBeNull()
  })

  it('refuses a bad key as a verdict: exit 3 with its message, and no row in the audit trail', async () => {
    const {json: created} = await json<CreatedAdminKey>(['admin-key', 'create'])
    const auditRows = () => countRows(dir.storePath, 'audit_log')
    const before = auditRows()
    const unknown = await run(['admin-key', 'verify', `${created.key}x`])
    expect(unknown.code).toBe(3)
    expect(unknown.stderr).toMatch(/invalid: unknown admin key/)
    const malformed = await json<ErrorJson>(['admin-key', 'verify', 'not-a-key'])
    expect(malformed.code).toBe(3)
    expect(malformed.json.error).toMatchObject({code: 'denied', message: 'invalid: not an admin key', exitCode: 3})
    expect(auditRows()).toBe(before)
    expect(queryRows(dir.storePath, "SELECT 1 FROM audit_log WHERE outcome = 'denied'")).toEqual([])
  })

  it('expires keys made with --ttl', async () => {
    const {json: created} = await json<CreatedAdminKey>(['admin-key', 'create', '--ttl', '1s'])
    expect(Date.parse(created.expiresAt!) - Date.parse(created.createdAt)).toBe(1000)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const verified = await json<ErrorJson>(['admin-key', 'verify', created.key])
    expect(verified.code).toBe(3)
    expect(verified.json.error.message).toMatch(/expired/)
    const used = await run(['accounts', 'list'], {ACCESSCTL_ADMIN_KEY: created.key})
    expect(used.code).toBe(3)
    expect(used.stderr).toMatch(/invalid credential: admin key expired/)
  })

  it('refuses a bad --ttl and writes nothing', async () => {
    for (const ttl of ['90', 'soon', '0s', '-1h']) {
      const result = await run(['admin-key', 'create', '--ttl', ttl])
      expect(result.code).toBe(2)
    }

    expect(existsSync(dir.storePath) ? countRows(dir.storePath, 'admin_keys') : 0).toBe(0)
  })

  it('deletes by key or by id; the deleted key stops working', async () => {
    const {json: first} = await json<CreatedAdminKey>(['admin-key', 'create'])
    const {json: second} = await json<CreatedAdminKey>(['admin-key', 'create'])
    expect((await run(['admin-key', 'delete', first.key, '--yes'])).code).toBe(0)
    expect((await run(['admin-key', 'delete', second.id, '--yes'])).code).toBe(0)
    expect(countRows(dir.storePath, 'admin_keys')).toBe(0)
    expect((await run(['admin-key', 'verify', first.key])).code).toBe(3)
    expect((await run(['admin-key', 'delete', second.id, '--yes'])).code).toBe(4)
    expect((await run(['admin-key', 'delete', 'acak_nosuchkey', '--yes'])).code).toBe(4)
    const audit = queryRows<{target: string}>(dir.storePath, "SELECT target FROM audit_log WHERE action = 'admin-key.delete'")
    expect(audit.map((a) => a.target).sort()).toEqual([`admin-key:${first.id}`, `admin-key:${second.id}`].sort())
  })

  it('refuses an invalid --admin-key with exit 3 instead of falling back to the operator', async () => {
    const result = await json<ErrorJson>(['accounts', 'create', '-n', 'x'], {ACCESSCTL_ADMIN_KEY: 'acak_forged'})
    expect(result.code).toBe(3)
    expect(result.json.error.message).toBe('invalid credential: unknown admin key')
    expect(countRows(dir.storePath, 'accounts')).toBe(0)
    expect(countRows(dir.storePath, 'audit_log', "outcome = 'denied' AND actor = 'unauthenticated:admin-key'")).toBe(1)
  })
})
