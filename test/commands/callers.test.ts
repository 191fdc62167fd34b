import {readFileSync, readdirSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {countRows, queryRows} from '../helpers/store.js'

/**
 * Every caller kind against every command family: the operator, an admin key, a global administrator's token, a
 * plain account's token, and a global administrator's token with narrow grants (the token side alone denies).
 */
describe('callers', () => {
  let dir: TempDir
  let adminKey: string
  let rootId: string
  let aliceId: string
  let bobId: string
  let rootToken: string
  let aliceToken: string
  let narrowRootToken: string
  const secrets: string[] = []

  const as = (credential: Record<string, string>) => (args: string[], input?: string) =>
    runCli(args, {store: dir.storePath, env: credential, input})
  const operator = as({})
  const withKey = () => as({ACCESSCTL_ADMIN_KEY: adminKey})
  const withToken = (token: string) => as({ACCESSCTL_TOKEN: token})

  beforeAll(async () => {
    dir = tempDir()
    await operator(['groups', 'create', 'admins', '--admin'])
    rootId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'root', '-g', 'admins'], {store: dir.storePath})).json.id
    aliceId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})).json.id
    bobId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'bob'], {store: dir.storePath})).json.id
    adminKey = (await operator(['admin-key', 'create', '--label', 'test'])).stdout.trim()
    rootToken = (await operator(['tokens', 'create', '-i', rootId, '--role', 'Admin', '--ttl', '12h'])).stdout.trim()
    aliceToken = (await operator(['tokens', 'create', '-i', aliceId, '--role', 'AuditDeveloper'])).stdout.trim()
    narrowRootToken = (await operator(['tokens', 'create', '-i', rootId, '-f', 'get', '-r', 'accounts', '-a', '*'])).stdout.trim()
    secrets.push(adminKey, rootToken, aliceToken, narrowRootToken)
  })
  afterAll(() => dir.cleanup())

  const expectDenied = (result: CliResult) => {
    expect(result.code, result.stderr).toBe(3)
    expect(result.stderr).toMatch(/permission denied/)
  }

  it('account management: global administrators only, and only within the token grants', async () => {
    expect((await operator(['accounts', 'create', '-n', 'by-operator'])).code).toBe(0)
    expect((await withKey()(['accounts', 'create', '-n', 'by-key'])).code).toBe(0)
    expect((await withToken(rootToken)(['accounts', 'create', '-n', 'by-root-token'])).code).toBe(0)
    expectDenied(await withToken(aliceToken)(['accounts', 'create', '-n', 'by-alice']))
    expectDenied(await withToken(narrowRootToken)(['accounts', 'create', '-n', 'by-narrow']))
    expect(countRows(dir.storePath, 'accounts', "name IN ('by-alice', 'by-narrow')")).toBe(0)

    expect((await withToken(narrowRootToken)(['accounts', 'list'])).code).toBe(0)
    expectDenied(await withToken(aliceToken)(['accounts', 'list']))
    expect((await withToken(aliceToken)(['accounts', 'get', '-i', aliceId])).code).toBe(0)
    // Another account does not exist for alice: the answer a missing id gets (issue 17, item 3).
    const bob = await withToken(aliceToken)(['accounts', 'get', '-i', bobId])
    expect(bob.code).toBe(4)
    expect(bob.stderr).toContain(`no account with id ${bobId}`)
    expectDenied(await withToken(aliceToken)(['accounts', 'delete', '-i', bobId, '--yes']))
    expect(countRows(dir.storePath, 'accounts', 'id = ?', bobId)).toBe(1)
  })

  it('groups: global administrators only', async () => {
    expect((await withToken(rootToken)(['groups', 'create', 'ops'])).code).toBe(0)
    expect((await withKey()(['groups', 'add-member', 'ops', '-i', bobId])).code).toBe(0)
    expectDenied(await withToken(aliceToken)(['groups', 'create', 'sneaky']))
    expectDenied(await withToken(aliceToken)(['groups', 'add-member', 'admins', '-i', aliceId]))
    expectDenied(await withToken(narrowRootToken)(['groups', 'delete', 'ops', '--yes']))
    expect(countRows(dir.storePath, 'group_members', "group_name = 'admins' AND account_id = ?", aliceId)).toBe(0)
  })

  it('tokens: an account mints narrower, shorter tokens for itself; other accounts need a global administrator', async () => {
    const own = await withToken(aliceToken)(['tokens', 'create', '-i', aliceId, '-f', 'get', '-r', 'datasets', '-a', aliceId, '--ttl', '1h'])
    expect(own.code, own.stderr).toBe(0)
    expect(own.stdout.trim().split('.')).toHaveLength(3)
    const broader = await withToken(aliceToken)(['tokens', 'create', '-i', aliceId, '--role', 'Admin', '--ttl', '1h'])
    expect(broader.code).toBe(3)
    const longer = await withToken(aliceToken)(['tokens', 'create', '-i', aliceId, '-f', 'get', '-r', 'datasets', '-a', aliceId, '--ttl', '900d'])
    expect(longer.code).toBe(3)
    const forBob = await withToken(aliceToken)(['tokens', 'create', '-i', bobId, '-f', 'get', '-r', 'datasets', '-a', bobId, '--ttl', '1h'])
    expect(forBob.code).toBe(4)
    expect(forBob.stderr).toContain(`no account with id or name '${bobId}'`)
    const rootForBob = await withToken(rootToken)(['tokens', 'create', '-i', bobId, '-f', 'get', '-r', 'datasets', '-a', bobId, '--ttl', '1h'])
    expect(rootForBob.code, rootForBob.stderr).toBe(0)
  })

  it('admin keys, the store and the audit trail: global administrators only', async () => {
    expect((await withToken(rootToken)(['admin-key', 'list'])).code).toBe(0)
    expectDenied(await withToken(aliceToken)(['admin-key', 'create']))
    expectDenied(await withToken(aliceToken)(['admin-key', 'list']))
    expectDenied(await withToken(aliceToken)(['store', 'info']))
    expectDenied(await withToken(aliceToken)(['audit', 'list']))
    expect((await withKey()(['audit', 'list'])).code).toBe(0)
    expect((await withToken(aliceToken)(['store', 'unlock'])).code).toBe(3)
  })

  it('an invalid, revoked or conflicting credential is exit 3 (or 2), never the operator', async () => {
    for (const token of ['garbage', `${aliceToken}x`, aliceToken.replace(/\.[^.]+\./, '.e30.')]) {
      const result = await withToken(token)(['accounts', 'list'])
      expect(result.code).toBe(3)
      expect(result.stderr).toMatch(/invalid credential: token/)
    }

    const victim = (await operator(['tokens', 'create', '-i', aliceId, '--role', 'AuditDeveloper'])).stdout.trim()
    secrets.push(victim)
    const jti = JSON.parse(Buffer.from(victim.split('.')[1], 'base64url').toString()).jti as string
    expect((await operator(['tokens', 'revoke', jti, '--yes'])).code).toBe(0)
    const revoked = await withToken(victim)(['accounts', 'get', '-i', aliceId])
    expect(revoked.code).toBe(3)
    expect(revoked.stderr).toMatch(/invalid credential: token revoked/)

    const both = await runCli(['accounts', 'list'], {store: dir.storePath, env: {ACCESSCTL_TOKEN: rootToken, ACCESSCTL_ADMIN_KEY: adminKey}})
    expect(both.code).toBe(2)
  })

  it('a locked store takes tokens and admin keys, refuses the operator, and still verifies', async () => {
    expect((await withToken(rootToken)(['store', 'lock', '--yes'])).code).toBe(0)
    try {
      expect((await operator(['accounts', 'list'])).code).toBe(3)
      expect((await withToken(rootToken)(['accounts', 'list'])).code).toBe(0)
      expect((await operator(['tokens', 'verify', aliceToken])).code).toBe(0)
      expect((await operator(['admin-key', 'verify', adminKey])).code).toBe(0)
    } finally {
      expect((await withKey()(['store', 'unlock'])).code).toBe(0)
    }
  })

  it('denied attempts are in the audit trail, with the token caller named', async () => {
    const {json} = await runJson<{items: Array<{actor: string; action: string; outcome: string}>}>(
      ['audit', 'list', '--outcome', 'denied', '--limit', '1000'],
      {store: dir.storePath},
    )
    const actors = json.items.map((e) => e.actor)
    expect(actors.some((a) => a.startsWith(`account:${aliceId}/token:`))).toBe(true)
    expect(json.items.some((e) => e.action === 'accounts.create' && e.actor.startsWith(`account:${aliceId}/`))).toBe(true)
    const allowed = queryRows<{actor: string}>(dir.storePath, "SELECT actor FROM audit_log WHERE action = 'accounts.create' AND outcome = 'ok'")
    expect(allowed.map((r) => r.actor.split(':')[0]).sort()).toEqual(expect.arrayContaining(['account', 'admin-key', 'operator']))
  })

  it('no key or token is anywhere in the store files or the audit rows', async () => {
    await operator(['store', 'info']) // checkpoint-free read; the files below include the WAL
    const files = readdirSync(dir.path).filter((f) => f.startsWith('store.db'))
    const audit = JSON.stringify(queryRows(dir.storePath, 'SELECT * FROM audit_log'))
    for (const secret of secrets) {
      for (const file of files) expect(readFileSync(`${dir.path}/${file}`).includes(secret), file).toBe(false)
      expect(audit.includes(secret)).toBe(false)
      // The signature part alone is the secret-bearing part of a token.
      const signature = secret.split('.')[2]
      if (signature) for (const file of files) expect(readFileSync(`${dir.path}/${file}`).includes(signature)).toBe(false)
    }
  })
})
