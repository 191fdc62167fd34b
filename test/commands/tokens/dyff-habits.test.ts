import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import type {TokensCreateResult} from '../../../src/commands/tokens/create.js'
import type {TokensCheckResult} from '../../../src/commands/tokens/check.js'
import {type CliResult, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows, queryRows} from '../../helpers/store.js'
import {decodePart} from '../../helpers/tokens.js'

/**
 * Issue 20, item 10: the names and habits of Dyff's CLI (shared/seeds/000). Old function and resource names read
 * with a warning on stderr only, `roles` at the top level, explicitly empty accounts never widened, and
 * `tokens create --revoke-others`.
 */
describe("Dyff's habits", () => {
  let dir: TempDir
  let ownerId: string
  let otherId: string
  const cli = (args: string[], options: {input?: string; env?: Record<string, string>} = {}) =>
    runCli(args, {store: dir.storePath, cwd: dir.path, ...options})
  const json = <T>(args: string[], options: {input?: string; env?: Record<string, string>} = {}) =>
    runJson<T>(args, {store: dir.storePath, cwd: dir.path, ...options})
  const tokenCount = () => countRows(dir.storePath, 'tokens')

  function printedToken(result: CliResult): string {
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/)
    return result.stdout.trim()
  }

  beforeAll(async () => {
    dir = tempDir()
    ownerId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'owner'], {store: dir.storePath})).json.id
    otherId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'other'], {store: dir.storePath})).json.id
  })
  afterAll(() => dir.cleanup())

  describe('deprecated names', () => {
    it.each([
      ['download', 'data'],
      ['upload', 'data'],
    ])('-f %s is read as %s, with the warning on stderr and only the token on stdout', async (old, current) => {
      const result = await cli(['tokens', 'create', '-i', 'owner', '-f', `${old},consume`, '-r', 'datasets'])
      const token = printedToken(result)
      expect(result.stderr).toBe(`Warning: function '${old}' is deprecated: read as '${current}', its current name\n`)
      expect(decodePart(token, 1).grants).toEqual([{resources: ['datasets'], functions: [current, 'consume'], accounts: [ownerId], entities: []}])
    })

    it('strata and tasks have no current name: kept as written, each warned once, and they allow nothing more', async () => {
      const result = await cli(['tokens', 'create', '-i', 'owner', '-f', 'strata,get', '-f', 'strata', '-r', 'tasks,models'])
      const token = printedToken(result)
      expect(result.stderr.split('\n').filter(Boolean)).toEqual([
        "Warning: function 'strata' is deprecated and has no current name (Dyff dropped it): kept as written, it allows nothing",
        "Warning: resource 'tasks' is deprecated and has no current name (Dyff dropped it): kept as written, it allows nothing",
      ])
      expect(decodePart(token, 1).grants).toEqual([{resources: ['tasks', 'models'], functions: ['strata', 'get'], accounts: [ownerId], entities: []}])
      expect((await cli(['tokens', 'check', token, '-f', 'get', '-r', 'models', '-a', 'owner'])).code).toBe(0)
      expect((await cli(['tokens', 'check', token, '-f', 'data', '-r', 'models', '-a', 'owner'])).code).toBe(3)
    })

    it('a YAML policy with old names: read the same way, and --json stdout stays one parseable document', async () => {
      const policy = `account: ${ownerId}\ngrants:\n- {resources: [tasks, datasets], functions: [download, upload]}\n`
      const result = await json<TokensCreateResult>(['tokens', 'create', '-c', '-'], {input: policy})
      expect(result.code, result.stderr).toBe(0)
      expect(result.json.grants).toEqual([{resources: ['tasks', 'datasets'], functions: ['data'], accounts: [ownerId], entities: []}])
      expect(result.stderr).toContain("Warning: function 'download' is deprecated: read as 'data', its current name\n")
      expect(result.stderr).toContain("Warning: function 'upload' is deprecated: read as 'data', its current name\n")
      expect(result.stderr).toContain("Warning: resource 'tasks' is deprecated and has no current name")
      expect(countRows(dir.storePath, 'tokens', 'jti = ? AND grants NOT LIKE ?', result.json.jti, '%download%')).toBe(1)
    })

    it('tokens check -f download asks for data, warns on stderr, and its --json stays parseable', async () => {
      const token = printedToken(await cli(['tokens', 'create', '-i', 'owner', '-f', 'data', '-r', 'datasets']))
      const plain = await cli(['tokens', 'check', token, '-f', 'download', '-r', 'datasets', '-a', 'owner'])
      expect(plain.code).toBe(0)
      expect(plain.stdout).toBe('allowed by grant 0\n')
      expect(plain.stderr).toBe("Warning: function 'download' is deprecated: read as 'data', its current name\n")
      const checked = await json<TokensCheckResult>(['tokens', 'check', token, '-f', 'upload', '-r', 'datasets', '-a', 'owner'])
      expect(checked.code).toBe(0)
      expect(checked.json).toMatchObject({allowed: true, request: {function: 'data', resource: 'datasets', account: ownerId}})
      expect(checked.stderr).toContain("function 'upload' is deprecated")
      const tasks = await cli(['tokens', 'check', token, '-f', 'data', '-r', 'tasks', '-a', 'owner'])
      expect(tasks.code).toBe(3)
      expect(tasks.stdout).toBe('')
      expect(tasks.stderr).toContain("Warning: resource 'tasks' is deprecated and has no current name")
    })

    it('other unknown names are still refused (exit 2, nothing written), an old name not suggested', async () => {
      const before = tokenCount()
      const result = await cli(['tokens', 'create', '-i', 'owner', '-f', 'downlaod', '-r', 'datasets'])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^Error: unknown function 'downlaod'/)
      expectNoStackTrace(result)
      const check = await cli(['tokens', 'check', 'x.y.z', '-f', 'get', '-r', 'task'])
      expect(check.code).toBe(2)
      expect(check.stderr).toMatch(/^Error: unknown resource 'task'/)
      expect(tokenCount()).toBe(before)
    })
  })

  describe('roles at the top level', () => {
    it('roles list and roles get print what tokens roles list/get print', async () => {
      for (const [alias, canonical] of [
        [['roles', 'list'], ['tokens', 'roles', 'list']],
        [['roles', 'get', 'AuditDeveloper', '-i', ownerId], ['tokens', 'roles', 'get', 'AuditDeveloper', '-i', ownerId]],
        [['role', 'get', 'Admin', '-i', 'owner', '--json'], ['tokens', 'roles', 'get', 'Admin', '-i', 'owner', '--json']],
      ]) {
        const [a, c] = [await cli(alias), await cli(canonical)]
        expect(a.code, a.stderr).toBe(0)
        expect(a).toEqual(c)
      }

      const yaml = parseYaml((await cli(['roles', 'get', 'AuditDeveloper', '-i', ownerId])).stdout) as {account: string; grants: unknown[]}
      expect(yaml.account).toBe(ownerId)
      expect(yaml.grants).toHaveLength(3)
      expect((await cli(['roles', 'list'])).stdout).toMatch(/^Admin\t.*\nAuditDeveloper\t/)
    })

    it('bad input under the alias: an unknown role is exit 2, and help names the alias', async () => {
      const result = await cli(['roles', 'get', 'Admn', '-i', ownerId])
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/^Error: unknown role 'Admn' \(did you mean 'Admin'\?\)/)
      const help = await cli(['help', 'roles', 'get'])
      expect(help.code).toBe(0)
      // Help wraps its paragraphs to the terminal: the words, wherever the lines break.
      expect(help.stdout.replaceAll(/\s+/g, ' ')).toContain('accessctl roles get ROLE -i ID')
      expect((await cli(['roles', 'list', '--help'])).stdout).toContain('accessctl roles list')
      expect((await cli(['tokens', '--help'])).stdout).toContain('accessctl roles list')
    })
  })

  describe('explicitly empty accounts or entities', () => {
    // Before issue 20 these grants were widened to the token's own account; now they are refused.
    it.each([
      ['accounts: []', '{resources: [datasets], functions: [get], accounts: []}', 'empty accounts in grants[0]'],
      ['entities: []', '{resources: [datasets], functions: [get], entities: []}', 'empty entities in grants[0]'],
      ['both empty', '{resources: [datasets], functions: [get], accounts: [], entities: []}', 'empty accounts in grants[0]'],
      ["accounts: ['']", "{resources: [datasets], functions: [get], accounts: ['']}", 'empty accounts in grants[0]'],
    ])('%s in a policy is exit 2, nothing written, never the own account', async (_name, grant, message) => {
      const before = tokenCount()
      const result = await cli(['tokens', 'create', '-c', '-'], {input: `account: ${ownerId}\ngrants: [${grant}]\n`})
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(new RegExp(`^Error: ${message.replace(/[[\]]/g, '\\$&')}: such a grant would match nothing`))
      expectNoStackTrace(result)
      expect(tokenCount()).toBe(before)
    })

    it('-a , (a list of nothing) is exit 2 as well; -a "" is refused by the flag itself', async () => {
      const before = tokenCount()
      const comma = await cli(['tokens', 'create', '-i', 'owner', '-f', 'get', '-r', 'datasets', '-a', ','])
      expect(comma.code).toBe(2)
      expect(comma.stderr).toMatch(/^Error: empty accounts in -a\/--account: such a grant would match nothing/)
      const empty = await cli(['tokens', 'create', '-i', 'owner', '-f', 'get', '-r', 'datasets', '-a', ''])
      expect(empty.code).toBe(2)
      expect(tokenCount()).toBe(before)
    })

    it('left out, or empty beside a non-empty other, is as before', async () => {
      const absent = await json<TokensCreateResult>(['tokens', 'create', '-c', '-'], {input: `account: ${ownerId}\ngrants: [{resources: [datasets], functions: [get]}]\n`})
      expect(absent.json.grants[0].accounts).toEqual([ownerId])
      const entityOnly = await json<TokensCreateResult>(['tokens', 'create', '-c', '-'], {
        input: `account: ${ownerId}\ngrants: [{resources: [datasets], functions: [get], accounts: [], entities: [ds-1]}]\n`,
      })
      expect(entityOnly.code, entityOnly.stderr).toBe(0)
      expect(entityOnly.json.grants[0]).toEqual({resources: ['datasets'], functions: ['get'], accounts: [], entities: ['ds-1']})
    })
  })

  describe('tokens create --revoke-others', () => {
    const liveTokens = (accountId: string) => countRows(dir.storePath, 'tokens', 'account_id = ? AND revoked_at IS NULL', accountId)
    const verifies = async (token: string) => (await cli(['tokens', 'verify', token])).code

    it('as the operator: the new token stays valid, every earlier one (ephemeral too) is revoked, audited, in one go', async () => {
      const recorded = printedToken(await cli(['tokens', 'create', '-i', 'owner', '--role', 'AuditDeveloper']))
      const ephemeral = printedToken(await cli(['tokens', 'create', '-t', 'ephemeral', '-i', 'owner', '--role', 'AuditDeveloper']))
      const otherAccount = printedToken(await cli(['tokens', 'create', '-i', 'other', '--role', 'AuditDeveloper']))
      const earlier = liveTokens(ownerId)
      expect(earlier).toBeGreaterThan(0)

      const result = await json<TokensCreateResult>(['tokens', 'create', '-i', 'owner', '--role', 'AuditDeveloper', '--revoke-others', '--label', 'the one'])
      expect(result.code, result.stderr).toBe(0)
      expect(result.json.revokedOthers).toMatchObject({revoked: earlier, descendantsRevoked: 0})
      expect(decodePart(result.json.token, 1).gen).toBe(result.json.revokedOthers!.generation)

      expect(await verifies(result.json.token)).toBe(0)
      expect(await verifies(recorded)).toBe(3)
      expect(await verifies(ephemeral)).toBe(3)
      expect(await verifies(otherAccount)).toBe(0)
      expect(queryRows<{jti: string}>(dir.storePath, 'SELECT jti FROM tokens WHERE account_id = ? AND revoked_at IS NULL', ownerId)).toEqual([{jti: result.json.jti}])
      expect(countRows(dir.storePath, 'audit_log', "action = 'tokens.revoke-all' AND target = ? AND outcome = 'ok'", `account:${ownerId}`)).toBe(1)
      expect(countRows(dir.storePath, 'audit_log', "action = 'tokens.create' AND target = ?", `token:${result.json.jti}`)).toBe(1)

      const list = await json<{items: Array<{jti: string}>}>(['tokens', 'list', '-i', 'owner'])
      expect(list.json.items.map((t) => t.jti)).toEqual([result.json.jti])
    })

    it('with an admin key: the token alone on stdout, and again it replaces the previous one', async () => {
      const key = (await cli(['admin-key', 'create'])).stdout.trim()
      const first = printedToken(await cli(['tokens', 'create', '-i', 'other', '--role', 'AuditDeveloper', '--revoke-others'], {env: {ACCESSCTL_ADMIN_KEY: key}}))
      const second = await cli(['tokens', 'create', '-i', 'other', '--role', 'AuditDeveloper', '--revoke-others'], {env: {ACCESSCTL_ADMIN_KEY: key}})
      const secondToken = printedToken(second)
      expect(second.stderr).toBe('')
      expect(await verifies(first)).toBe(3)
      expect(await verifies(secondToken)).toBe(0)
      expect(liveTokens(otherId)).toBe(1)
    })

    it('bad input: -t ephemeral is exit 2 and nothing changes', async () => {
      const before = liveTokens(ownerId)
      const result = await cli(['tokens', 'create', '-t', 'ephemeral', '-i', 'owner', '--role', 'AuditDeveloper', '--revoke-others'])
      expect(result.code).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^Error: --revoke-others replaces the account's tokens with a recorded one: use it with -t account/)
      expect(liveTokens(ownerId)).toBe(before)
    })

    it("a token that may create but not revoke its account's tokens: exit 3, no token made, none revoked", async () => {
      const limited = printedToken(await cli(['tokens', 'create', '-i', 'owner', '-f', 'create,get', '-r', 'tokens,datasets']))
      const [before, tokens] = [liveTokens(ownerId), tokenCount()]
      const result = await cli(['tokens', 'create', '-i', 'owner', '-f', 'get', '-r', 'datasets', '--ttl', '1h', '--revoke-others'], {env: {ACCESSCTL_TOKEN: limited}})
      expect(result.code).toBe(3)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/^Error: permission denied: the token does not grant 'delete' on 'tokens'/)
      expect(liveTokens(ownerId)).toBe(before)
      expect(tokenCount()).toBe(tokens)
      expect(await verifies(limited)).toBe(0)
      expect(countRows(dir.storePath, 'audit_log', "action = 'tokens.revoke-all' AND outcome = 'denied'")).toBeGreaterThan(0)
      // Without --revoke-others the same token may create it: the refusal was the revocation's.
      printedToken(await cli(['tokens', 'create', '-i', 'owner', '-f', 'get', '-r', 'datasets', '--ttl', '1h'], {env: {ACCESSCTL_TOKEN: limited}}))
    })

    it("a token of that account that may do both: exit 2, as it would revoke itself and the new token with it", async () => {
      const full = printedToken(await cli(['tokens', 'create', '-i', 'owner', '-f', 'create,delete,get', '-r', 'tokens,datasets']))
      const before = liveTokens(ownerId)
      const result = await cli(['tokens', 'create', '-i', 'owner', '-f', 'get', '-r', 'datasets', '--ttl', '1h', '--revoke-others'], {env: {ACCESSCTL_TOKEN: full}})
      expect(result.code).toBe(2)
      expect(result.stderr).toMatch(/^Error: --revoke-others would revoke the token creating the new one/)
      expect(liveTokens(ownerId)).toBe(before)
      expect(await verifies(full)).toBe(0)
    })

    it("a non-admin token of another account: the account is not seen (exit 4), nothing changes", async () => {
      const stranger = printedToken(await cli(['tokens', 'create', '-i', 'other', '--role', 'AuditDeveloper']))
      const before = liveTokens(ownerId)
      const result = await cli(['tokens', 'create', '-i', ownerId, '-f', 'get', '-r', 'datasets', '--revoke-others'], {env: {ACCESSCTL_TOKEN: stranger}})
      expect([3, 4]).toContain(result.code)
      expect(result.stdout).toBe('')
      expect(liveTokens(ownerId)).toBe(before)
    })
  })
})
