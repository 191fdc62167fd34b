import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {TokensKeysListResult} from '../../../src/commands/tokens/keys/list.js'
import type {Jwks, KeyRetirement, SigningKey} from '../../../src/domain/signing-keys.js'
import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'
import {decodePart} from '../../helpers/tokens.js'

describe('tokens keys', () => {
  let dir: TempDir
  const cli = (args: string[]) => runCli(args, {store: dir.storePath})
  const json = async <T>(args: string[]) => (await runJson<T>(args, {store: dir.storePath})).json
  const verifyReason = async (token: string) => {
    const result = await runCli(['tokens', 'verify', '-'], {store: dir.storePath, input: `${token}\n`})
    return (JSON.parse(result.stdout) as {reason: string | null}).reason
  }

  beforeAll(async () => {
    dir = tempDir()
    await cli(['accounts', 'create', '-n', 'alice'])
  })
  afterAll(() => dir.cleanup())

  it('makes the first key on first use, rotates, keeps old tokens valid, retires', async () => {
    expect((await json<TokensKeysListResult>(['tokens', 'keys', 'list'])).items).toEqual([])
    const oldToken = (await cli(['tokens', 'create', '-i', 'alice', '--role', 'AuditDeveloper'])).stdout.trim()
    const [first] = (await json<TokensKeysListResult>(['tokens', 'keys', 'list'])).items
    expect(first).toMatchObject({alg: 'EdDSA', active: true, retiredAt: null})
    expect(decodePart(oldToken, 0).kid).toBe(first.kid)

    // The only key cannot be retired: that would leave nothing to sign or verify with.
    const lonely = await cli(['tokens', 'keys', 'retire', '--yes', '--', first.kid])
    expect(lonely.code).toBe(5)
    expect(lonely.stderr).toMatch(/only signing key that is not retired[\s\S]*tokens keys rotate/)

    const rotated = await json<SigningKey>(['tokens', 'keys', 'rotate'])
    expect(rotated.kid).not.toBe(first.kid)
    const newToken = (await cli(['tokens', 'create', '-i', 'alice', '--role', 'AuditDeveloper'])).stdout.trim()
    expect(decodePart(newToken, 0).kid).toBe(rotated.kid)
    expect(await verifyReason(oldToken)).toBeNull()
    expect((await json<Jwks>(['tokens', 'jwks'])).keys.map((k) => k.kid).sort()).toEqual([first.kid, rotated.kid].sort())

    // --sort active: the signing key last, or first with --order desc; the others by kid between themselves.
    const byActive = (await json<TokensKeysListResult>(['tokens', 'keys', 'list', '--sort', 'active'])).items
    expect(byActive.map((key) => key.active)).toEqual([false, true])
    expect((await json<TokensKeysListResult>(['tokens', 'keys', 'list', '--sort', 'active', '--order', 'desc'])).items.map((key) => key.kid)).toEqual([rotated.kid, first.kid])

    const listed = await cli(['tokens', 'keys', 'list'])
    expect(listed.stdout).toContain(`${first.kid}\t`)
    expect(listed.stdout).toMatch(new RegExp(`${rotated.kid}\\t\\S+\\t-\\tyes`))

    // No terminal and no --yes: refused, nothing changes.
    const unconfirmed = await cli(['tokens', 'keys', 'retire', '--', first.kid])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toMatch(/--yes/)
    expect(countRows(dir.storePath, 'signing_keys', 'retired_at IS NOT NULL')).toBe(0)

    // runJson would put --json after the `--`, where it is an argument.
    const retiredRun = await cli(['tokens', 'keys', 'retire', '--yes', '--json', '--', first.kid])
    const retired = {code: retiredRun.code, json: JSON.parse(retiredRun.stdout) as KeyRetirement}
    expect(retired.code).toBe(0)
    expect(retired.json).toMatchObject({alreadyRetired: false, activeKid: rotated.kid})
    expect(await verifyReason(oldToken)).toBe('retired_key')
    expect(await verifyReason(newToken)).toBeNull()
    expect((await json<Jwks>(['tokens', 'jwks'])).keys.map((k) => k.kid)).toEqual([rotated.kid])

    const again = await cli(['tokens', 'keys', 'retire', '--', first.kid])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/already retired/)
    expect((await cli(['tokens', 'keys', 'retire', 'nosuchkid', '--yes'])).code).toBe(4)
    expect(countRows(dir.storePath, 'audit_log', "action LIKE 'tokens.keys.%'")).toBe(4)
  })
})
