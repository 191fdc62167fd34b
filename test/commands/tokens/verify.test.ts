import {createLocalJWKSet, jwtVerify} from 'jose'
import {spawn} from 'node:child_process'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {TokensCheckResult} from '../../../src/commands/tokens/check.js'
import type {TokensVerifyResult} from '../../../src/commands/tokens/verify.js'
import type {Jwks} from '../../../src/domain/signing-keys.js'
import {cliCommand, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'
import {claimsFor, decodePart, signJwt, storeSigningKey, strangerKey} from '../../helpers/tokens.js'

describe('tokens verify, check and jwks', () => {
  let dir: TempDir
  let other: TempDir
  let accountId: string
  let goneId: string
  const cli = (args: string[], input?: string) => runCli(args, {store: dir.storePath, input})
  const create = async (args: string[], storePath = dir.storePath) => {
    const result = await runCli(['tokens', 'create', ...args], {store: storePath})
    expect(result.code).toBe(0)
    return result.stdout.trim()
  }

  beforeAll(async () => {
    dir = tempDir()
    other = tempDir()
    accountId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})).json.id
    goneId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'gone'], {store: dir.storePath})).json.id
    await runCli(['accounts', 'create', '-n', 'alice'], {store: other.storePath})
  })
  afterAll(() => {
    dir.cleanup()
    other.cleanup()
  })

  it('gives each kind of invalid token its own reason, one JSON line per token on stdin', async () => {
    const valid = await create(['-i', 'alice', '--role', 'AuditDeveloper'])
    const revoked = await create(['-i', 'alice', '--role', 'AuditDeveloper', '--label', 'to revoke'])
    const ofDeletedAccount = await create(['-t', 'ephemeral', '-i', 'gone', '--role', 'AuditDeveloper'])
    const fromOtherStore = await create(['-i', 'alice', '--role', 'Admin'], other.storePath)
    expect((await cli(['tokens', 'revoke', String(decodePart(revoked, 1).jti), '--yes'])).code).toBe(0)
    expect((await cli(['accounts', 'delete', '-i', goneId, '--yes'])).code).toBe(0)

    const key = storeSigningKey(dir.storePath)
    const header = {alg: 'EdDSA', kid: key.kid, typ: 'JWT'}
    const now = Math.floor(Date.now() / 1000)
    const [head, , signature] = valid.split('.')
    const widened = {...decodePart(valid, 1), grants: [{resources: ['*'], functions: ['*'], accounts: ['*'], entities: ['*']}]}
    const cases: Array<[string, string, string]> = [
      ['valid', valid, ''],
      ['tampered payload', `${head}.${Buffer.from(JSON.stringify(widened)).toString('base64url')}.${signature}`, 'bad_signature'],
      ['signed by a stranger with our kid', signJwt(header, claimsFor(accountId), strangerKey()), 'bad_signature'],
      ['from another store', fromOtherStore, 'unknown_key'],
      ['expired', signJwt(header, claimsFor(accountId, {iat: now - 7200, nbf: now - 7200, exp: now - 3600}), key.privateKey), 'expired'],
      ['not yet valid', signJwt(header, claimsFor(accountId, {nbf: now + 3600, exp: now + 7200}), key.privateKey), 'not_yet_valid'],
      ['revoked', revoked, 'revoked'],
      ['of a deleted account', ofDeletedAccount, 'revoked'],
      ['an account token that was never recorded', signJwt(header, claimsFor(accountId, {typ: 'account'}), key.privateKey), 'revoked'],
      ['garbage', 'not a token', 'malformed'],
      ['alg none', `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${valid.split('.')[1]}.`, 'malformed'],
      ['alg HS256', signJwt({...header, alg: 'HS256'}, claimsFor(accountId), key.privateKey), 'malformed'],
      ['a string exp', signJwt(header, claimsFor(accountId, {exp: String(now + 60)}), key.privateKey), 'malformed'],
      ['grants missing a key', signJwt(header, claimsFor(accountId, {grants: [{resources: ['*'], functions: ['*']}]}), key.privateKey), 'malformed'],
    ]

    const result = await cli(['tokens', 'verify', '-'], `${cases.map(([, token]) => token).join('\n')}\n\n`)
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/13 of 14 token\(s\) are invalid/)
    const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as TokensVerifyResult)
    expect(lines.map((line) => line.reason ?? '')).toEqual(cases.map(([, , reason]) => reason))
    expect(lines[0]).toMatchObject({valid: true, accountId, type: 'account', role: 'AuditDeveloper'})
    expect(lines[6]).toMatchObject({valid: false, jti: decodePart(revoked, 1).jti, accountId})

    // One token: exit 3 and the reason on stderr, or the verdict document with --json.
    const single = await cli(['tokens', 'verify', cases[4][1]])
    expect(single).toMatchObject({code: 3, stdout: ''})
    expect(single.stderr).toMatch(/invalid token: expired/)
    const json = await runJson<TokensVerifyResult>(['tokens', 'verify', revoked], {store: dir.storePath})
    expect(json.code).toBe(3)
    expect(json.json).toMatchObject({valid: false, reason: 'revoked'})
    const ok = await runJson<TokensVerifyResult>(['tokens', 'verify', valid], {store: dir.storePath})
    expect(ok.code).toBe(0)
    expect(ok.json).toMatchObject({valid: true, reason: null, accountId})
    // Verifying is not an attempt by a caller: nothing is audited.
    expect(countRows(dir.storePath, 'audit_log', "outcome = 'denied'")).toBe(0)
  })

  it('verifies a stream of many tokens, all valid: exit 0', async () => {
    const token = await create(['-t', 'ephemeral', '-i', 'alice', '--role', 'AuditDeveloper'])
    const started = Date.now()
    const result = await cli(['tokens', 'verify', '-'], `${token}\n`.repeat(5000))
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(5000)
    expect(lines.every((line) => (JSON.parse(line) as TokensVerifyResult).valid)).toBe(true)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('an empty stdin (or only blank lines) is exit 2, "no token on stdin" (it was exit 0 and no output)', async () => {
    for (const input of ['', '\n\n  \n']) {
      const result = await cli(['tokens', 'verify', '-'], input)
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/no token on stdin/)
    }
  })

  it('answers each token as soon as it is read, so a caller can send one and wait for its answer', async () => {
    const token = await create(['-t', 'ephemeral', '-i', 'alice', '--role', 'AuditDeveloper'])
    const {file, prefix} = cliCommand()
    const child = spawn(file, [...prefix, 'tokens', 'verify', '-'], {env: {...process.env, ACCESSCTL_STORE: dir.storePath}})
    const answers: string[] = []
    let pending = ''
    let waiter: (() => void) | undefined
    child.stdout.on('data', (data: Buffer) => {
      pending += data.toString()
      const lines = pending.split('\n')
      pending = lines.pop()!
      answers.push(...lines)
      waiter?.()
    })
    const answerCount = (count: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer ${count} within 20 s`)), 20_000)
        waiter = () => {
          if (answers.length >= count) {
            clearTimeout(timer)
            resolve()
          }
        }

        waiter()
      })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    child.stdin.write(`${token}\n`)
    await answerCount(1)
    child.stdin.write('not-a-token\n')
    await answerCount(2)
    child.stdin.end()
    expect(await exited).toBe(3)
    expect(answers.map((line) => (JSON.parse(line) as TokensVerifyResult).valid)).toEqual([true, false])
  })

  it('a plain jose JWKS verifies a token, with no accessctl code', async () => {
    const token = await create(['-i', 'alice', '-f', 'get', '-r', 'models'])
    const {json} = await runJson<Jwks>(['tokens', 'jwks'], {store: dir.storePath})
    expect(json.keys.length).toBeGreaterThan(0)
    for (const key of json.keys) expect(key).toMatchObject({kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig'})
    for (const key of json.keys) expect(key).not.toHaveProperty('d')
    const {payload, protectedHeader} = await jwtVerify(token, createLocalJWKSet(json), {algorithms: ['EdDSA']})
    expect(protectedHeader.alg).toBe('EdDSA')
    expect(payload.sub).toBe(`Account/${accountId}`)
  })

  it('check: allowed, denied with the trace, invalid token, bad names', async () => {
    const token = await create(['-i', 'alice', '--role', 'AuditDeveloper'])
    const allowed = await cli(['tokens', 'check', token, '-f', 'consume', '-r', 'datasets', '-a', 'public', '--explain'])
    expect(allowed.code).toBe(0)
    expect(allowed.stdout).toMatch(/grant 2: MATCHES/)
    expect(allowed.stdout).toMatch(/allowed by grant 2/)

    const denied = await runJson<TokensCheckResult>(['tokens', 'check', token, '-f', 'consume', '-r', 'datasets', '-a', 'gone-elsewhere'], {
      store: dir.storePath,
    })
    expect(denied.code).toBe(3)
    expect(denied.json).toMatchObject({valid: true, allowed: false, matchedGrant: null, reason: 'not_granted'})
    expect(denied.json.trace.map((t) => [t.resource, t.function, t.account])).toEqual([
      [true, true, false],
      [true, false, true],
      [true, true, false],
    ])

    const explained = await cli(['tokens', 'check', token, '-f', 'edit', '-r', 'models', '-a', 'bob', '--explain'])
    expect(explained.code).toBe(3)
    expect(explained.stdout).toMatch(/grant 0: no match\n {2}resources \[\*\]: yes\n {2}functions \[\*\]: yes\n {2}accounts {2}\[[0-9a-f]{32}\]: no/)
    expect(explained.stderr).toMatch(/denied: no grant/)

    const invalid = await cli(['tokens', 'check', 'garbage', '-f', 'get', '-r', 'models'])
    expect(invalid.code).toBe(3)
    expect(invalid.stderr).toMatch(/invalid token: malformed/)

    const badName = await cli(['tokens', 'check', token, '-f', 'get', '-r', 'modles'])
    expect(badName.code).toBe(2)
    expect(badName.stderr).toMatch(/unknown resource 'modles'/)
  })
  it('verify, check and jwks work without a credential on a locked store; the rest needs one', async () => {
    const token = await create(['-i', 'alice', '--role', 'AuditDeveloper'])
    const {json: key} = await runJson<{key: string}>(['admin-key', 'create', '--label', 'break-glass'], {store: dir.storePath})
    expect((await cli(['store', 'lock', '--yes'])).code).toBe(0)
    expect((await cli(['tokens', 'verify', token])).code).toBe(0)
    expect((await cli(['tokens', 'verify', '-'], `${token}\n`)).code).toBe(0)
    expect((await cli(['tokens', 'check', token, '-f', 'get', '-r', 'models', '-a', 'public'])).code).toBe(0)
    expect((await cli(['tokens', 'jwks'])).code).toBe(0)
    const refused = await cli(['tokens', 'create', '-i', 'alice', '--role', 'AuditDeveloper'])
    expect(refused.code).toBe(3)
    expect(refused.stderr).toMatch(/store is locked/)
    expect((await cli(['tokens', 'list'])).code).toBe(3)
    const withKey = await runCli(['tokens', 'list'], {store: dir.storePath, env: {ACCESSCTL_ADMIN_KEY: key.key}})
    expect(withKey.code).toBe(0)
  })
})
