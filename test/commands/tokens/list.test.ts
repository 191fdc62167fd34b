import {parse} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {TokensListResult} from '../../../src/commands/tokens/list.js'
import type {TokensRolesGetResult} from '../../../src/commands/tokens/roles/get.js'
import type {TokenRecord} from '../../../src/domain/tokens.js'
import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'
import {decodePart} from '../../helpers/tokens.js'

describe('tokens list, get, revoke and roles', () => {
  let dir: TempDir
  let alice: string
  let bob: string
  const tokens: string[] = []
  const jtiOf = (token: string) => String(decodePart(token, 1).jti)
  const cli = (args: string[]) => runCli(args, {store: dir.storePath})
  const json = async <T>(args: string[]) => runJson<T>(args, {store: dir.storePath})

  beforeAll(async () => {
    dir = tempDir()
    alice = (await json<{id: string}>(['accounts', 'create', '-n', 'alice'])).json.id
    bob = (await json<{id: string}>(['accounts', 'create', '-n', 'bob'])).json.id
    for (const args of [
      ['-i', 'alice', '--role', 'AuditDeveloper', '--label', 'laptop'],
      ['-i', 'alice', '-f', 'get', '-r', 'models'],
      ['-i', 'bob', '--role', 'AuditDeveloper'],
      ['-i', 'bob', '--role', 'AuditDeveloper', '--ttl', '1s'],
    ]) {
      tokens.push((await cli(['tokens', 'create', ...args])).stdout.trim())
    }

    await new Promise((resolve) => setTimeout(resolve, 1100))
  })
  afterAll(() => dir.cleanup())

  it('lists live tokens (never the tokens), filters by account, shows expired with --all', async () => {
    const piped = await cli(['tokens', 'list'])
    expect(piped.code).toBe(0)
    const rows = piped.stdout.trim().split('\n').map((line) => line.split('\t'))
    expect(rows.map((row) => row[0])).toEqual(tokens.slice(0, 3).map(jtiOf))
    expect(rows[0]).toEqual([jtiOf(tokens[0]), 'alice', 'account', 'AuditDeveloper', 'laptop', expect.any(String), expect.any(String), 'active'])

    const all = await json<TokensListResult>(['tokens', 'list', '--all'])
    expect(all.json.items.map((t) => t.status)).toEqual(['active', 'active', 'active', 'expired'])
    expect(all.stdout).not.toContain(tokens[0].split('.')[2])

    const bobs = await json<TokensListResult>(['tokens', 'list', '-i', bob, '--all', '--limit', '1'])
    expect(bobs.json.items.map((t) => t.accountId)).toEqual([bob])
    expect(bobs.json.nextOffset).toBe(1)
    expect((await cli(['tokens', 'list', '-i', 'nobody'])).code).toBe(4)
  })

  it('gets one token, never showing it', async () => {
    const got = await json<TokenRecord>(['tokens', 'get', jtiOf(tokens[0])])
    expect(got.code).toBe(0)
    expect(got.json).toMatchObject({jti: jtiOf(tokens[0]), accountId: alice, accountName: 'alice', role: 'AuditDeveloper', status: 'active'})
    expect(got.json).not.toHaveProperty('token')
    const human = await cli(['tokens', 'get', jtiOf(tokens[1])])
    expect(human.stdout).toMatch(/grants:\n {2}- resources:\n {6}- models/)
    expect((await cli(['tokens', 'get', 'f'.repeat(32)])).code).toBe(4)
    expect((await cli(['tokens', 'get', 'not-a-jti'])).code).toBe(2)
  })

  it('revokes one token, twice harmlessly, and all of an account', async () => {
    const jti = jtiOf(tokens[1])
    const unconfirmed = await cli(['tokens', 'revoke', jti])
    expect(unconfirmed.code).toBe(2)
    expect(countRows(dir.storePath, 'tokens', 'revoked_at IS NOT NULL')).toBe(0)

    const revoked = await cli(['tokens', 'revoke', jti, '--yes'])
    expect(revoked).toMatchObject({code: 0, stdout: `revoked token ${jti}\n`})
    const again = await cli(['tokens', 'revoke', jti, '--yes'])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/already revoked/)
    expect((await cli(['tokens', 'verify', tokens[1]])).stderr).toMatch(/revoked/)
    expect((await cli(['tokens', 'verify', tokens[0]])).code).toBe(0)

    const everything = await cli(['tokens', 'revoke', '-i', 'bob', '--all', '--yes'])
    expect(everything.stdout).toMatch(`revoked 2 token(s) of account ${bob}`)
    expect(countRows(dir.storePath, 'tokens', 'account_id = ? AND revoked_at IS NULL', bob)).toBe(0)
    expect(countRows(dir.storePath, 'tokens', 'account_id = ? AND revoked_at IS NULL', alice)).toBe(1)
    expect(countRows(dir.storePath, 'audit_log', "action LIKE 'tokens.revoke%'")).toBe(3)

    expect((await cli(['tokens', 'revoke'])).code).toBe(2)
    expect((await cli(['tokens', 'revoke', jti, '-i', 'bob', '--all', '--yes'])).code).toBe(2)
    expect((await cli(['tokens', 'revoke', '-i', 'bob'])).code).toBe(2)
  })

  it('lists roles and expands one as YAML that reads back as the grants', async () => {
    const listed = await cli(['tokens', 'roles', 'list'])
    expect(listed.stdout).toMatch(/^Admin\t.*\nAuditDeveloper\t/)
    const yamlOut = await cli(['tokens', 'roles', 'get', 'AuditDeveloper', '-i', alice])
    const asJson = await json<TokensRolesGetResult>(['tokens', 'roles', 'get', 'AuditDeveloper', '-i', alice])
    expect(parse(yamlOut.stdout)).toEqual({account: alice, grants: asJson.json.grants})
    expect(asJson.json.grants[0]).toEqual({resources: ['*'], functions: ['*'], accounts: [alice], entities: []})
    expect((await cli(['tokens', 'roles', 'get', 'Root', '-i', alice])).code).toBe(2)
  })
})
