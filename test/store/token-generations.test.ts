import Database from 'better-sqlite3'
import {createPrivateKey, type JsonWebKey, randomBytes} from 'node:crypto'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {encodeToken, subjectOf, type TokenClaims} from '../../src/core/token-format.js'
import {MIGRATIONS} from '../../src/store/schema.js'
import {runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {queryRows} from '../helpers/store.js'

/**
 * Schema version 4 (token generations) on a store made by an earlier version: accounts deleted before the upgrade
 * keep their tokens ended, tokens minted before it (no `gen` claim) keep working, and schema 3's revocation time
 * still holds for them.
 */
describe('migration 4: token generations', () => {
  let dir: TempDir
  const run = (args: string[]) => runCli(args, {store: dir.storePath})

  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  /** A token as schema version 3 minted them: no `gen` claim, signed with the store's active key. */
  function legacyToken(db: Database.Database, accountId: string, iat: number): string {
    const {kid, private_jwk: privateJwk} = db.prepare('SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL').get() as {kid: string; private_jwk: string}
    const claims: TokenClaims = {
      jti: randomBytes(16).toString('hex'),
      sub: subjectOf(accountId),
      iat,
      nbf: iat,
      exp: iat + 3600,
      typ: 'ephemeral',
      grants: [{resources: ['*'], functions: ['*'], accounts: [accountId], entities: ['*']}],
    }
    return encodeToken(claims, kid, createPrivateKey({key: JSON.parse(privateJwk) as JsonWebKey, format: 'jwk'}))
  }

  it('ends the old tokens of accounts deleted before the upgrade, and keeps the others', async () => {
    for (const name of ['kept', 'gone', 'back', 'cut']) expect((await run(['accounts', 'create', '-n', name])).code).toBe(0)
    expect((await run(['tokens', 'keys', 'rotate'])).code).toBe(0)
    const ids = Object.fromEntries(queryRows<{name: string; id: string}>(dir.storePath, 'SELECT name, id FROM accounts').map((row) => [row.name, row.id]))
    const now = Math.floor(Date.now() / 1000)

    // The store as version 3 left it: 'gone' deleted with a recorded token left behind, 'back' deleted (audited)
    // and made again with the same id, 'cut' with a schema-3 "revoke all" time between its two tokens.
    const db = new Database(dir.storePath)
    const tokens = {
      kept: legacyToken(db, ids.kept, now),
      gone: legacyToken(db, ids.gone, now),
      back: legacyToken(db, ids.back, now),
      cutBefore: legacyToken(db, ids.cut, now - 10),
      cutAfter: legacyToken(db, ids.cut, now),
    }
    // Back to schema version 3: undo what the later migrations added.
    db.exec('DROP TABLE token_generations; DROP INDEX accounts_by_name_key; ALTER TABLE accounts DROP COLUMN name_key; DROP INDEX tokens_granting_everything')
    db.pragma('user_version = 3')
    db.prepare(
      `INSERT INTO tokens (jti, account_id, type, role, grants, label, kid, created_at, created_by, not_before, expires_at, revoked_at)
       VALUES (?, ?, 'account', NULL, '[]', NULL, 'k', ?, 'operator:test', ?, ?, ?)`,
    ).run(randomBytes(16).toString('hex'), ids.gone, new Date().toISOString(), new Date().toISOString(), new Date(Date.now() + 3_600_000).toISOString(), new Date().toISOString())
    db.prepare('DELETE FROM accounts WHERE id = ?').run(ids.gone)
    db.prepare("INSERT INTO audit_log (at, actor, action, target, outcome) VALUES (?, 'operator:test', 'accounts.delete', ?, 'ok')").run(new Date().toISOString(), `account:${ids.back}`)
    db.prepare('UPDATE accounts SET tokens_revoked_before = ? WHERE id = ?').run(now - 5, ids.cut)
    db.close()

    // Any command with write access migrates; `store info` says which version it is at.
    const info = await runJson<{schemaVersion: number}>(['store', 'info'], {store: dir.storePath})
    expect(info.code, info.stderr).toBe(0)
    expect(info.json.schemaVersion).toBe(MIGRATIONS.at(-1)!.version)
    expect(queryRows<{account_id: string; generation: number}>(dir.storePath, 'SELECT account_id, generation FROM token_generations ORDER BY account_id')).toEqual(
      [ids.gone, ids.back].sort().map((id) => ({account_id: id, generation: 1})),
    )

    const reason = async (token: string) => (await runJson<{reason: string | null}>(['tokens', 'verify', token], {store: dir.storePath})).json.reason
    expect(await reason(tokens.kept)).toBeNull()
    expect(await reason(tokens.back)).toBe('revoked')
    expect(await reason(tokens.cutBefore)).toBe('revoked')
    expect(await reason(tokens.cutAfter)).toBeNull()

    // The first "revoke all" after the upgrade ends the legacy tokens too (they count as generation 0).
    expect((await run(['tokens', 'revoke', '-i', 'cut', '--all', '--yes'])).code).toBe(0)
    expect(await reason(tokens.cutAfter)).toBe('revoked')
    expect(await reason(tokens.kept)).toBeNull()
  })
})
