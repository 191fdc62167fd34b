import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {type CliResult, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {queryRows} from '../../helpers/store.js'
import {decodePart} from '../../helpers/tokens.js'

/**
 * Issue 17, items 1 and 2: revocation outlives the account and every clock. A deleted account's tokens stay
 * revoked whatever account is later made with its id, and "revoke all" ends a token minted by a host whose clock
 * was ahead (its nbf still in the future), both in `tokens verify` and where a bearer is admitted.
 */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'
const FAKETIME_PRESENT = existsSync(LIBFAKETIME)

/** The program's clock moved by `offset` (libfaketime's syntax: `+20`, `+2m`, `+1h`), as `faketime -f` does. */
function skewed(offset: string): Record<string, string> {
  return {LD_PRELOAD: LIBFAKETIME, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1'}
}

describe('revocation that outlives accounts and clocks', () => {
  let dir: TempDir
  const run = (args: string[], env: Record<string, string> = {}): Promise<CliResult> => runCli(args, {store: dir.storePath, env})

  function printedToken(result: CliResult): string {
    expect(result.code, result.stderr).toBe(0)
    const token = result.stdout.trim()
    expect(token.split('.')).toHaveLength(3)
    return token
  }

  async function verdict(token: string, env: Record<string, string> = {}): Promise<{code: number; reason: string | null; accountId: string | null}> {
    const result = await runJson<{reason: string | null; accountId: string | null}>(['tokens', 'verify', token], {store: dir.storePath, env})
    return {code: result.code, reason: result.json.reason, accountId: result.json.accountId}
  }

  beforeEach(async () => {
    dir = tempDir()
    const document = `apiVersion: accessctl/v1
groups:
  - name: ops
accounts:
  - name: zed@example.com
    groups: [ops]
services:
  - id: churn
    public: false
    versions: [v1]
    permissions: {ops: [read]}
infrastructures:
  - id: prod
    stage: Production
    permissions: {ops: [view]}
deployments:
  - service: churn
    infrastructure: prod
    version: v1
`
    expect((await runCli(['apply', '-f', '-'], {store: dir.storePath, input: document})).code).toBe(0)
  })
  afterEach(() => dir.cleanup())

  it('the reproduction: an account re-created from an export with the same id does not revive its tokens', async () => {
    const exported = await run(['export'])
    expect(exported.code, exported.stderr).toBe(0)
    const documentFile = join(dir.path, 'access.yaml')
    writeFileSync(documentFile, exported.stdout)
    const zedId = (parseYaml(exported.stdout) as {accounts: Array<{name: string; id: string}>}).accounts.find((a) => a.name === 'zed@example.com')!.id
    const ephemeral = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'zed@example.com', '--role', 'Admin', '--ttl', '1h']))
    const recorded = printedToken(await run(['tokens', 'create', '-t', 'account', '-i', 'zed@example.com', '--role', 'Admin', '--ttl', '1h']))
    const admitted = await run(['deployment', 'authorize', 'churn-on-prod', '--bearer', ephemeral])
    expect(admitted.code, admitted.stderr).toBe(0)
    expect(admitted.stdout).toMatch(/^admitted: /)

    expect((await run(['tokens', 'revoke', '-i', 'zed@example.com', '--all', '--yes'])).code).toBe(0)
    expect((await run(['accounts', 'delete', '-i', zedId, '--yes'])).code).toBe(0)
    const reapplied = await run(['apply', '-f', documentFile])
    expect(reapplied.code, reapplied.stderr).toBe(0)
    expect(reapplied.stdout).toContain('+ create account zed@example.com')
    expect(queryRows<{id: string}>(dir.storePath, "SELECT id FROM accounts WHERE name = 'zed@example.com'")).toEqual([{id: zedId}])

    for (const token of [ephemeral, recorded]) expect(await verdict(token)).toEqual({code: 3, reason: 'revoked', accountId: zedId})
    const refused = await run(['deployment', 'authorize', 'churn-on-prod', '--bearer', ephemeral])
    expect(refused.code).toBe(3)
    expect(refused.stdout).not.toMatch(/admitted/)
    expect(refused.stderr).toMatch(/revoked/)

    // A token of the account made after it came back works: the id is usable, only the old tokens are not.
    const fresh = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'zed@example.com', '--role', 'Admin', '--ttl', '1h']))
    expect(await verdict(fresh)).toEqual({code: 0, reason: null, accountId: zedId})
  })

  it('deleting the account alone (no revoke first) ends its ephemeral tokens for good, under any later name', async () => {
    const zedId = (await runJson<{id: string}>(['accounts', 'get', '-i', 'zed@example.com'], {store: dir.storePath})).json.id
    const ephemeral = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', zedId, '--role', 'Admin', '--ttl', '1h']))
    expect((await run(['accounts', 'delete', '-i', zedId, '--yes'])).code).toBe(0)
    const renamed = `apiVersion: accessctl/v1\naccounts:\n  - name: mallory@example.com\n    id: ${zedId}\n    groups: [ops]\n`
    expect((await runCli(['apply', '-f', '-'], {store: dir.storePath, input: renamed})).code).toBe(0)

    expect(await verdict(ephemeral)).toEqual({code: 3, reason: 'revoked', accountId: zedId})
    const whoami = await run(['auth', 'whoami'], {ACCESSCTL_TOKEN: ephemeral})
    expect(whoami.code).toBe(3)
    expect(whoami.stderr).toMatch(/revoked/)
  })

  it('a token minted by a token of the deleted account stays revoked too (its ancestry carries the generation)', async () => {
    const zedId = (await runJson<{id: string}>(['accounts', 'get', '-i', 'zed@example.com'], {store: dir.storePath})).json.id
    const parent = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', zedId, '--role', 'Admin', '--ttl', '1h']))
    const child = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', zedId, '--role', 'Admin', '--ttl', '30m'], {ACCESSCTL_TOKEN: parent}))
    expect((decodePart(child, 1).anc as Array<{gen: number}>)[0].gen).toBe(decodePart(parent, 1).gen)
    expect((await run(['accounts', 'delete', '-i', zedId, '--yes'])).code).toBe(0)
    expect((await runCli(['apply', '-f', '-'], {store: dir.storePath, input: `apiVersion: accessctl/v1\naccounts:\n  - name: zed@example.com\n    id: ${zedId}\n`})).code).toBe(0)
    expect((await verdict(child)).reason).toBe('revoked')
  })

  describe.runIf(FAKETIME_PRESENT || process.env.CI)('with skewed clocks (libfaketime)', () => {
    it.each(['+20', '+2m', '+1h'])('revoke all ends a token minted on a clock %s ahead, before and after its nbf passes', async (offset) => {
      const ahead = skewed(offset)
      const token = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'zed@example.com', '--role', 'Admin', '--ttl', '2h'], ahead))
      const claims = decodePart(token, 1)
      expect(Number(claims.nbf)).toBeGreaterThan(Date.now() / 1000 + 10)
      // On the clock that minted it, the token is valid: the skew is real.
      expect((await verdict(token, ahead)).reason).toBeNull()

      const revoked = await runJson<{revoked: number; generation: number}>(['tokens', 'revoke', '-i', 'zed@example.com', '--all', '--yes'], {store: dir.storePath})
      expect(revoked.code, revoked.stderr).toBe(0)
      expect(revoked.json.generation).toBe(Number(claims.gen) + 1)

      // Now, and once the nbf has passed (the verifier's clock further ahead than the minting one).
      expect((await verdict(token)).reason).toBe('not_yet_valid')
      expect((await verdict(token, ahead)).reason).toBe('revoked')
      expect((await verdict(token, skewed(offset === '+1h' ? '+90m' : '+10m'))).reason).toBe('revoked')
    })

    it('a token minted right after "revoke all" by a host whose clock is behind is not born revoked', async () => {
      expect((await run(['tokens', 'revoke', '-i', 'zed@example.com', '--all', '--yes'])).code).toBe(0)
      const behind = skewed('-2m')
      const token = printedToken(await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'zed@example.com', '--role', 'Admin', '--ttl', '1h'], behind))
      expect((await verdict(token, behind)).reason).toBeNull()
      expect((await verdict(token)).reason).toBeNull()
    })
  })
})
