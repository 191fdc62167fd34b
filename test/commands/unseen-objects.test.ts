import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {decodePart} from '../helpers/tokens.js'

/**
 * Issue 17, item 3: objects a caller may not see do not exist for it. For every command that takes a reference to
 * an account, a token or a group, a caller without rights gets the same exit code and the same message (but for the
 * name it gave) whether the object exists and is not its own, or does not exist at all.
 */
describe('one answer for "exists but not yours" and "does not exist"', () => {
  let dir: TempDir
  let alice: string
  let frank: string
  let frankJti: string
  let narrow: string
  let adminNarrow: string
  const NOBODY_ID = '0123456789abcdef0123456789abcdef'
  const run = (args: string[], token?: string, input?: string): Promise<CliResult> =>
    runCli(args, {store: dir.storePath, env: token ? {ACCESSCTL_TOKEN: token} : {}, input})

  /** What the caller sees, with the name or id it gave replaced, so two answers can be compared whole. */
  function shown(result: CliResult, reference: string): {code: number; stdout: string; stderr: string} {
    const blank = (text: string) => text.replaceAll(reference, 'REF')
    return {code: result.code, stdout: blank(result.stdout), stderr: blank(result.stderr)}
  }

  async function expectSameAnswer(args: (reference: string) => string[], existing: string, missing: string, token: string, input?: (reference: string) => string) {
    const seen = await run(args(existing), token, input?.(existing))
    const unseen = await run(args(missing), token, input?.(missing))
    expect(shown(seen, existing)).toEqual(shown(unseen, missing))
    expect(seen.code).not.toBe(0)
    return seen
  }

  beforeAll(async () => {
    dir = tempDir()
    const setup = `apiVersion: accessctl/v1
groups:
  - name: builders
    mayCreateServices: true
  - name: admins
    admin: true
  - name: secret-team
accounts:
  - name: alice@example.com
    groups: [builders]
  - name: frank@example.com
  - name: root@example.com
    groups: [admins]
services:
  - id: frank-svc
    owner: frank@example.com
    public: false
`
    const applied = await run(['apply', '-f', '-'], undefined, setup)
    expect(applied.code, applied.stderr).toBe(0)
    const id = async (name: string) => (await runJson<{id: string}>(['accounts', 'get', '-n', name], {store: dir.storePath})).json.id
    alice = await id('alice@example.com')
    frank = await id('frank@example.com')
    frankJti = (await runJson<{jti: string}>(['tokens', 'create', '-i', frank, '--role', 'Admin', '--json'], {store: dir.storePath})).json.jti
    narrow = (await run(['tokens', 'create', '-i', alice, '--role', 'Admin'])).stdout.trim()
    // A global administrator's token narrowed to its own account's services: it may not read other accounts.
    adminNarrow = (await run(['tokens', 'create', '-i', 'root@example.com', '-f', 'get', '-r', 'services', '-a', 'root@example.com'])).stdout.trim()
    expect(narrow.split('.')).toHaveLength(3)
    expect(adminNarrow.split('.')).toHaveLength(3)
  })
  afterAll(() => dir.cleanup())

  it('accounts get, by name and by id', async () => {
    for (const token of [narrow, adminNarrow]) {
      const byName = await expectSameAnswer((ref) => ['accounts', 'get', '-n', ref], 'frank@example.com', 'nobody@example.com', token)
      expect(byName.code).toBe(4)
      expect(byName.stderr).toContain("no account named 'frank@example.com'")
      const byId = await expectSameAnswer((ref) => ['accounts', 'get', '-i', ref], frank, NOBODY_ID, token)
      expect(byId.code).toBe(4)
      expect(byId.stderr).toContain(`no account with id ${frank}`)
    }
  })

  it('tokens get and tokens revoke by jti, tokens list -i, tokens revoke -i --all', async () => {
    const missingJti = 'f'.repeat(32)
    expect((await expectSameAnswer((ref) => ['tokens', 'get', ref], frankJti, missingJti, narrow)).code).toBe(4)
    expect((await expectSameAnswer((ref) => ['tokens', 'revoke', ref, '--yes'], frankJti, missingJti, narrow)).code).toBe(4)
    expect((await expectSameAnswer((ref) => ['tokens', 'list', '-i', ref], 'frank@example.com', 'nobody@example.com', narrow)).code).toBe(4)
    expect((await expectSameAnswer((ref) => ['tokens', 'revoke', '-i', ref, '--all', '--yes'], frank, NOBODY_ID, narrow)).code).toBe(4)
    // Frank's token was not revoked by any of it.
    const got = await runJson<{status: string}>(['tokens', 'get', frankJti], {store: dir.storePath})
    expect(got.json.status).toBe('active')
  })

  it('auth can-i --as: refused before the account is looked up', async () => {
    const answer = await expectSameAnswer((ref) => ['auth', 'can-i', 'create', 'service', '--as', ref], 'frank@example.com', 'nobody@example.com', narrow)
    expect(answer.code).toBe(3)
  })

  it('minting: -i another account, and a grant naming another account by name', async () => {
    expect((await expectSameAnswer((ref) => ['tokens', 'create', '-t', 'ephemeral', '-i', ref, '--role', 'Admin'], 'frank@example.com', 'nobody@example.com', narrow)).code).toBe(4)
    const byGrant = await expectSameAnswer(
      (ref) => ['tokens', 'create', '-t', 'ephemeral', '-i', alice, '-f', 'get', '-r', 'services', '-a', ref],
      'frank@example.com',
      'nobody@example.com',
      narrow,
    )
    expect(byGrant.code).toBe(4)
    // A grant may name an id it cannot see: whether anything has that id is not revealed, the id is kept as given.
    for (const id of [frank, NOBODY_ID]) {
      const minted = await run(['tokens', 'create', '-t', 'ephemeral', '-i', alice, '-f', 'get', '-r', 'services', '-a', id], narrow)
      expect(minted.code, minted.stderr).toBe(0)
      expect(decodePart(minted.stdout.trim(), 1).grants).toEqual([{resources: ['services'], functions: ['get'], accounts: [id], entities: []}])
    }
  })

  it('apply: an owner, and a group in permissions, that the caller may not see', async () => {
    const owner = (ref: string) => `apiVersion: accessctl/v1\nservices:\n  - id: alice-svc\n    owner: ${ref}\n`
    const ownerAnswer = await expectSameAnswer(() => ['apply', '-f', '-'], 'frank@example.com', 'nobody@example.com', narrow, owner)
    expect(ownerAnswer.code).toBe(2)
    expect(ownerAnswer.stderr).toContain("no account with id or name 'REF'".replace('REF', 'frank@example.com'))
    const permissions = (ref: string) => `apiVersion: accessctl/v1\nservices:\n  - id: frank-svc\n    permissions: {${ref}: [read]}\n`
    const groupAnswer = await expectSameAnswer(() => ['apply', '-f', '-'], 'secret-team', 'no-such-team', narrow, permissions)
    expect(groupAnswer.code).toBe(2)
  })

  it('audits the refused look-ups as denied attempts, though the caller was told "not found"', async () => {
    const audit = await runJson<{items: Array<{action: string; outcome: string; target: string | null}>}>(
      ['audit', 'list', '--outcome', 'denied', '--limit', '200'],
      {store: dir.storePath},
    )
    expect(audit.code).toBe(0)
    expect(audit.json.items).toContainEqual(expect.objectContaining({action: 'accounts.get', outcome: 'denied', target: `account:${frank}`}))
    expect(audit.json.items).toContainEqual(expect.objectContaining({action: 'tokens.get', outcome: 'denied', target: `token:${frankJti}`}))
  })
})
