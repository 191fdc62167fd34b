import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {TokensCreateResult} from '../../../src/commands/tokens/create.js'
import {type CliResult, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows, queryRows} from '../../helpers/store.js'
import {decodePart, insertAccount, SEED_ACCOUNT_ID, SEED_POLICY} from '../../helpers/tokens.js'

const JWT_LINE = /^[\w-]+\.[\w-]+\.[\w-]+\n$/

describe('tokens create', () => {
  let dir: TempDir
  let testId: string
  const cli = (args: string[], input?: string) => runCli(args, {store: dir.storePath, input, cwd: dir.path})
  const check = async (token: string, fn: string, resource: string, account: string) =>
    (await cli(['tokens', 'check', token, '-f', fn, '-r', resource, '-a', account])).code

  beforeAll(async () => {
    dir = tempDir()
    const created = await runJson<{id: string}>(['accounts', 'create', '-n', 'test'], {store: dir.storePath})
    testId = created.json.id
    insertAccount(dir.storePath, SEED_ACCOUNT_ID, 'seed@example.com')
  })
  afterAll(() => dir.cleanup())

  /** The flags token and both config tokens grant exactly this. */
  const consumeInTest = () => [{resources: ['datasets', 'models'], functions: ['consume'], accounts: [testId], entities: []}]

  function expectTokenPrinted(result: CliResult): string {
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    expect(result.stdout).toMatch(JWT_LINE)
    return result.stdout.trim()
  }

  it('seed example 1: --role AuditDeveloper; may get anything, consume public, not consume elsewhere', async () => {
    const token = expectTokenPrinted(await cli(['tokens', 'create', '-t', 'account', '-i', 'aeb78193c526484fa4f5c14d182ba039', '--role', 'AuditDeveloper']))
    const header = decodePart(token, 0)
    expect(header).toMatchObject({alg: 'EdDSA', typ: 'JWT'})
    expect(typeof header.kid).toBe('string')
    const claims = decodePart(token, 1)
    expect(claims).toMatchObject({sub: `Account/${SEED_ACCOUNT_ID}`, typ: 'account', role: 'AuditDeveloper'})
    expect(claims.jti).toMatch(/^[0-9a-f]{32}$/)
    expect(claims.nbf).toBe(claims.iat)
    expect((claims.exp as number) - (claims.iat as number)).toBe(90 * 86_400)
    expect(claims.grants).toHaveLength(3)
    for (const grant of claims.grants as object[]) expect(Object.keys(grant).sort()).toEqual(['accounts', 'entities', 'functions', 'resources'])

    expect((await cli(['tokens', 'verify', token])).code).toBe(0)
    expect(await check(token, 'get', 'datasets', testId)).toBe(0)
    expect(await check(token, 'consume', 'datasets', 'public')).toBe(0)
    expect(await check(token, 'consume', 'datasets', testId)).toBe(3)

    // Recorded and audited, never the token itself.
    expect(countRows(dir.storePath, 'tokens', 'jti = ? AND role = ?', claims.jti, 'AuditDeveloper')).toBe(1)
    expect(countRows(dir.storePath, 'audit_log', 'action = ? AND target = ?', 'tokens.create', `token:${claims.jti}`)).toBe(1)
    const signature = token.split('.')[2]
    expect(countRows(dir.storePath, 'audit_log', 'instr(coalesce(target, \'\') || coalesce(detail, \'\'), ?) > 0', signature)).toBe(0)
    expect(countRows(dir.storePath, 'tokens', 'instr(grants || coalesce(label, \'\'), ?) > 0', signature)).toBe(0)
  })

  it("seed example 2: -f 'consume' -a 'test' -r 'datasets,models'; consume datasets in test and nothing else", async () => {
    const token = expectTokenPrinted(
      await cli(['tokens', 'create', '-t', 'account', '-f', 'consume', '-a', 'test', '-r', 'datasets,models', '-i', 'aeb78193c526484fa4f5c14d182ba039']),
    )
    const claims = decodePart(token, 1)
    expect(claims.grants).toEqual(consumeInTest())
    expect(claims.role).toBeUndefined()
    expect(await check(token, 'consume', 'datasets', 'test')).toBe(0)
    expect(await check(token, 'get', 'datasets', testId)).toBe(3)
    expect(await check(token, 'consume', 'datasets', 'public')).toBe(3)
    expect(await check(token, 'consume', 'reports', testId)).toBe(3)
    expect(await check(token, 'consume', 'datasets', SEED_ACCOUNT_ID)).toBe(3)
  })

  it('seed example 3: -c config.yaml (a real file)', async () => {
    writeFileSync(join(dir.path, 'config.yaml'), SEED_POLICY)
    const token = expectTokenPrinted(await cli(['tokens', 'create', '-t', 'account', '-c', 'config.yaml']))
    expect(decodePart(token, 1)).toMatchObject({sub: `Account/${SEED_ACCOUNT_ID}`, grants: consumeInTest()})
    expect(await check(token, 'consume', 'models', 'test')).toBe(0)
  })

  it('seed example 4: -c - with the heredoc on stdin', async () => {
    const token = expectTokenPrinted(await cli(['tokens', 'create', '-t', 'account', '-c', '-'], SEED_POLICY))
    expect(decodePart(token, 1)).toMatchObject({sub: `Account/${SEED_ACCOUNT_ID}`, grants: consumeInTest()})
    expect((await cli(['tokens', 'verify', token])).code).toBe(0)
    expect(await check(token, 'consume', 'datasets', 'test')).toBe(0)
  })

  it('ephemeral tokens are not recorded, default to 1h, and --json tells all but never stores the token', async () => {
    const before = countRows(dir.storePath, 'tokens')
    const {code, json, stderr} = await runJson<TokensCreateResult>(
      ['tokens', 'create', '-t', 'ephemeral', '-i', 'test', '--role', 'Admin', '--label', 'ci'],
      {store: dir.storePath},
    )
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(json).toMatchObject({accountId: testId, type: 'ephemeral', role: 'Admin', label: 'ci', recorded: false, ttlSeconds: 3600})
    expect(Date.parse(json.expiresAt) - Date.parse(json.issuedAt)).toBe(3_600_000)
    expect(json.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    expect(countRows(dir.storePath, 'tokens')).toBe(before)
    expect((await cli(['tokens', 'verify', json.token])).code).toBe(0)
    expect((await cli(['tokens', 'revoke', json.jti, '--yes'])).code).toBe(4)
  })

  it('warns on stderr about a long-lived Admin token, with the token still alone on stdout', async () => {
    const result = await cli(['tokens', 'create', '-t', 'account', '-i', 'test', '--role', 'admin', '--ttl', '2d'])
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(JWT_LINE)
    expect(result.stderr).toMatch(/Warning: .*grants everything.*lives 2d/)
    const custom = await cli(['tokens', 'create', '-i', 'test', '-f', '*', '-r', '*', '-a', '*'])
    expect(custom.stderr).toMatch(/Warning/)
    const short = await cli(['tokens', 'create', '-t', 'account', '-i', 'test', '--role', 'Admin', '--ttl', '12h'])
    expect(short.stderr).toBe('')
  })

  it('repeatable, comma-separated flags; -a by id, name, public and *; defaults to the own account', async () => {
    const {json} = await runJson<TokensCreateResult>(
      ['tokens', 'create', '-i', SEED_ACCOUNT_ID, '-f', 'get,query', '-f', 'consume', '-r', 'models', '-a', `test,public`, '-a', '*', '-a', testId, '-e', 'm1,m2'],
      {store: dir.storePath},
    )
    expect(json.grants).toEqual([{functions: ['get', 'query', 'consume'], resources: ['models'], accounts: [testId, 'public', '*'], entities: ['m1', 'm2']}])
    const own = await runJson<TokensCreateResult>(['tokens', 'create', '-i', 'test', '-f', 'get', '-r', 'models'], {store: dir.storePath})
    expect(own.json.grants[0].accounts).toEqual([testId])
  })

  describe('refuses bad input before touching the store', () => {
    let tokensBefore: number
    let keysBefore: number
    beforeAll(() => {
      tokensBefore = countRows(dir.storePath, 'tokens')
      keysBefore = countRows(dir.storePath, 'signing_keys')
    })

    const ID = ['-i', SEED_ACCOUNT_ID]
    it.each<[string, string[], string | undefined, number, RegExp]>([
      ['an unknown account id', ['-i', 'f'.repeat(32), '--role', 'Admin'], undefined, 4, /no account with id or name 'f{32}'/],
      ['an unknown account name in -a', [...ID, '-f', 'get', '-r', 'models', '-a', 'nobody'], undefined, 4, /no account with id or name 'nobody'/],
      ['an unknown resource', [...ID, '-f', 'get', '-r', 'datasets,modles'], undefined, 2, /unknown resource 'modles' \(did you mean 'models'\?\)\n.*Known resources: accounts, analyses/],
      ['an unknown function', [...ID, '-f', 'consme', '-r', 'models'], undefined, 2, /unknown function 'consme' \(did you mean 'consume'\?\)/],
      ['an unknown role', [...ID, '--role', 'AuditDevelopr'], undefined, 2, /unknown role 'AuditDevelopr' \(did you mean 'AuditDeveloper'\?\)/],
      ['--role with -c', [...ID, '--role', 'Admin', '-c', 'config.yaml'], undefined, 2, /--role=Admin cannot also be provided when using --config/],
      ['--role with -f', [...ID, '--role', 'Admin', '-f', 'get', '-r', 'models'], undefined, 2, /cannot also be provided/],
      ['-f without -r', [...ID, '-f', 'get'], undefined, 2, /give both/],
      ['a YAML syntax error', ['-c', '-'], 'account: x\ngrants:\n- resources: [models\n', 2, /not valid YAML at line \d+, column \d+/],
      ['an unknown key in the YAML', ['-c', '-'], `${SEED_POLICY}expires: tomorrow\n`, 2, /unknown key 'expires'/],
      ['a wrong type in the YAML', ['-c', '-'], 'account: x\ngrants:\n- resources: models\n  functions: [get]\n', 2, /grants\[0\]\.resources must be a list of strings/],
      ['an empty stdin', ['-c', '-'], '', 2, /the token config from stdin is empty/],
      ['a config file that does not exist', ['-c', 'nope.yaml'], undefined, 2, /cannot read 'nope\.yaml': no such file/],
      ['-i and a config that disagree', ['-i', 'test', '-c', '-'], SEED_POLICY, 2, /-i names account .* but the config names account/],
      ['no account at all', ['-c', '-'], 'grants: [{resources: [models], functions: [get]}]', 2, /Give -i ACCOUNT_ID/],
      ['an ephemeral token over 24h', ['-t', 'ephemeral', ...ID, '--role', 'Admin', '--ttl', '25h'], undefined, 2, /ephemeral token lives at most 24h/],
      ['a bad ttl', [...ID, '--role', 'Admin', '--ttl', '1 day'], undefined, 2, /'1 day' is not a duration/],
      ['an unknown type', ['-t', 'forever', ...ID, '--role', 'Admin'], undefined, 2, /--type takes one of: account, ephemeral; got 'forever'/],
      ['no role, flags or config without a terminal', ID, undefined, 2, /give --role NAME, or -f FUNCTIONS -r RESOURCES \[-a ACCOUNTS\], or -c FILE/],
    ])('%s', async (_label, args, input, exitCode, message) => {
      const result = await cli(['tokens', 'create', ...args], input)
      expect(result.code).toBe(exitCode)
      expect(result.stderr).toMatch(message)
      expect(result.stdout).toBe('')
      expectNoStackTrace(result)
      expect(countRows(dir.storePath, 'tokens')).toBe(tokensBefore)
      expect(countRows(dir.storePath, 'signing_keys')).toBe(keysBefore)
    })

    it('with --json, the error is one JSON document', async () => {
      const {code, json} = await runJson<{error: {code: string; exitCode: number}}>(['tokens', 'create', ...ID, '-f', 'fly', '-r', 'models'], {
        store: dir.storePath,
      })
      expect(code).toBe(2)
      expect(json.error).toMatchObject({code: 'invalid_input', exitCode: 2})
      expect(queryRows(dir.storePath, 'SELECT 1 FROM tokens')).toHaveLength(tokensBefore)
    })
  })
})
