import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type CliResult, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'
import {decodePart} from '../../helpers/tokens.js'

/**
 * Issue 10, item 4: a token minted with a token is its child, and revoking the parent (or all of the parent
 * account's tokens) ends every descendant, ephemeral ones included, everywhere a token is verified.
 */
describe('token hierarchy', () => {
  let dir: TempDir
  let alice: string
  let bob: string
  const run = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, {store: dir.storePath, env})
  const as = (token: string, args: string[]) => run(args, {ACCESSCTL_TOKEN: token})

  function printedToken(result: CliResult): string {
    expect(result.code, result.stderr).toBe(0)
    return result.stdout.trim()
  }

  beforeEach(async () => {
    dir = tempDir()
    expect((await run(['groups', 'create', 'builders', '--may-create-services'])).code).toBe(0)
    expect((await run(['groups', 'create', 'admins', '--admin'])).code).toBe(0)
    alice = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice', '-g', 'builders', '-g', 'admins'], {store: dir.storePath})).json.id
    bob = (await runJson<{id: string}>(['accounts', 'create', '-n', 'bob', '-g', 'builders'], {store: dir.storePath})).json.id
  })
  afterEach(() => dir.cleanup())

  async function verifyReason(token: string): Promise<string | null> {
    const result = await runJson<{reason: string | null}>(['tokens', 'verify', token], {store: dir.storePath})
    return result.json.reason
  }

  it('the reproduction: revoking the parent ends an ephemeral child minted with it', async () => {
    const parent = printedToken(await run(['tokens', 'create', '-t', 'account', '-i', 'alice', '--role', 'AuditDeveloper', '--ttl', '2d']))
    const child = printedToken(await as(parent, ['tokens', 'create', '-t', 'ephemeral', '-i', alice, '--role', 'AuditDeveloper', '--ttl', '24h']))
    const claims = decodePart(child, 1)
    expect(claims.anc).toEqual([
      {jti: decodePart(parent, 1).jti, sub: `Account/${alice}`, typ: 'account', iat: decodePart(parent, 1).iat, kid: decodePart(parent, 0).kid, gen: 0},
    ])
    expect((await as(child, ['service', 'create', 'before'])).code).toBe(0)

    expect((await run(['tokens', 'revoke', String(decodePart(parent, 1).jti), '--yes'])).code).toBe(0)
    const refused = await as(child, ['service', 'create', 'x'])
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/token revoked/)
    expectNoStackTrace(refused)
    expect(countRows(dir.storePath, 'services', "id = 'x'")).toBe(0)
    expect(await verifyReason(child)).toBe('revoked')
    const checked = await runJson<{reason: string}>(['tokens', 'check', child, '-f', 'get', '-r', 'services', '-a', alice], {store: dir.storePath})
    expect(checked.code).toBe(3)
    expect(checked.json.reason).toBe('revoked')
  })

  it('revoking the root ends every descendant at depth 3, through account and ephemeral tokens alike', async () => {
    const root = printedToken(await run(['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--ttl', '2d']))
    const second = printedToken(await as(root, ['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'Admin', '--ttl', '20h']))
    const third = printedToken(await as(second, ['tokens', 'create', '-t', 'account', '-i', bob, '--role', 'AuditDeveloper', '--ttl', '10h']))
    const fourth = printedToken(await as(third, ['tokens', 'create', '-t', 'ephemeral', '-i', 'bob', '--role', 'AuditDeveloper', '--ttl', '1h']))
    expect((decodePart(fourth, 1).anc as unknown[]).map((link) => (link as {typ: string}).typ)).toEqual(['account', 'ephemeral', 'account'])
    for (const token of [root, second, third, fourth]) expect(await verifyReason(token)).toBeNull()

    expect((await run(['tokens', 'revoke', String(decodePart(root, 1).jti), '--yes'])).code).toBe(0)
    for (const token of [root, second, third, fourth]) expect(await verifyReason(token)).toBe('revoked')
    // The recorded descendant is listed as revoked too, not as active.
    const listed = await runJson<{items: Array<{jti: string; status: string}>}>(['tokens', 'list', '-i', 'bob', '--all'], {store: dir.storePath})
    expect(listed.json.items.find((item) => item.jti === decodePart(third, 1).jti)?.status).toBe('revoked')
  })

  it('revoking all of an account\'s tokens ends its ephemeral tokens and every descendant; later tokens work', async () => {
    const fromOperator = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'AuditDeveloper']))
    const parent = printedToken(await run(['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--ttl', '2d']))
    const child = printedToken(await as(parent, ['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'AuditDeveloper', '--ttl', '24h']))
    const inBob = printedToken(await as(parent, ['tokens', 'create', '-t', 'ephemeral', '-i', 'bob', '--role', 'AuditDeveloper']))
    const bobOwn = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'bob', '--role', 'AuditDeveloper']))

    expect((await run(['tokens', 'revoke', '-i', 'alice', '--all', '--yes'])).code).toBe(0)
    for (const token of [fromOperator, parent, child, inBob]) expect(await verifyReason(token)).toBe('revoked')
    expect((await as(child, ['service', 'create', 'x'])).code).toBe(3)
    expect(await verifyReason(bobOwn)).toBeNull()

    // A token made right after the revocation, even within the same second, is not caught by it.
    const after = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'AuditDeveloper']))
    expect(await verifyReason(after)).toBeNull()
    expect((await as(after, ['service', 'create', 'y'])).code).toBe(0)
  })

  it('deleting an ancestor\'s account ends the descendants it minted in other accounts', async () => {
    const parent = printedToken(await run(['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--ttl', '2d']))
    const inBob = printedToken(await as(parent, ['tokens', 'create', '-i', 'bob', '--role', 'AuditDeveloper', '--ttl', '1d']))
    expect(await verifyReason(inBob)).toBeNull()
    expect((await run(['accounts', 'delete', '-i', alice, '--yes'])).code).toBe(0)
    expect(await verifyReason(inBob)).toBe('revoked')
  })

  it('retiring the key that signed an ancestor ends its descendants, whatever key signed them', async () => {
    const parent = printedToken(await run(['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--ttl', '2d']))
    expect((await run(['tokens', 'keys', 'rotate'])).code).toBe(0)
    const child = printedToken(await as(parent, ['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'Admin']))
    expect(decodePart(child, 0).kid).not.toBe(decodePart(parent, 0).kid)
    expect((await run(['tokens', 'keys', 'retire', '--yes', '--', String(decodePart(parent, 0).kid)])).code).toBe(0)
    expect(await verifyReason(parent)).toBe('retired_key')
    expect(await verifyReason(child)).toBe('revoked')
  })

  it('a chain is at most 8 tokens above the newest: minting a ninth level is exit 2, nothing recorded', async () => {
    let token = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'Admin', '--ttl', '20h']))
    for (let depth = 1; depth <= 8; depth++) {
      token = printedToken(await as(token, ['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'Admin', '--ttl', `${20 - depth}h`]))
    }

    expect(decodePart(token, 1).anc).toHaveLength(8)
    expect(await verifyReason(token)).toBeNull()
    const tokensBefore = countRows(dir.storePath, 'tokens')
    const refused = await as(token, ['tokens', 'create', '-t', 'account', '-i', 'alice', '--role', 'Admin', '--ttl', '1h'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/at most 8/)
    expectNoStackTrace(refused)
    expect(countRows(dir.storePath, 'tokens')).toBe(tokensBefore)
  })
})
