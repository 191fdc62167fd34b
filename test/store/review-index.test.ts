import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {ReviewResult} from '../../src/commands/review.js'
import {ADMIN_TOKEN_CANDIDATES} from '../../src/domain/review/findings.js'
import {MIGRATIONS} from '../../src/store/schema.js'
import {runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {queryRows} from '../helpers/store.js'

/**
 * Schema version 6: the partial index the review's finding of long-lived Admin-strength tokens reads, added to a store
 * made at version 5 that already holds such tokens and many that are not, so the review finds the same tokens after
 * the upgrade without reading every token.
 */
describe('migration 6: the index of tokens that may grant everything', () => {
  let dir: TempDir
  const ok = async (args: string[]) => {
    const result = await runCli(args, {store: dir.storePath})
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout.trim()
  }

  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('indexes the Admin-strength tokens of a version 5 store, and the review reads them through it', async () => {
    await ok(['accounts', 'create', '-n', 'alice@example.com'])
    const admin = JSON.parse(await ok(['tokens', 'create', '-i', 'alice@example.com', '--role', 'Admin', '--ttl', '2d', '--json'])).jti as string
    const everything = JSON.parse(
      await ok(['tokens', 'create', '-i', 'alice@example.com', '-f', '*', '-r', '*', '-a', '*', '-e', '*', '--ttl', '3d', '--json']),
    ).jti as string
    const revoked = JSON.parse(await ok(['tokens', 'create', '-i', 'alice@example.com', '--role', 'Admin', '--ttl', '3d', '--json'])).jti as string
    await ok(['tokens', 'revoke', revoked, '--yes'])
    await ok(['tokens', 'create', '-i', 'alice@example.com', '--role', 'AuditDeveloper', '--ttl', '3d'])

    // The store as version 5 left it.
    const db = new Database(dir.storePath)
    db.exec('DROP INDEX tokens_granting_everything')
    db.pragma('user_version = 5')
    db.close()

    const review = await runJson<ReviewResult>(['review'], {store: dir.storePath})
    expect(review.code, review.stderr).toBe(0)
    expect(review.json.findings.filter((f) => f.kind === 'long-lived-admin-token').map((f) => f.object.id)).toEqual([admin, everything])
    expect(queryRows<{user_version: number}>(dir.storePath, 'PRAGMA user_version')[0].user_version).toBe(MIGRATIONS.at(-1)!.version)

    // Indexed: the two live candidates and nothing else (not the revoked token, nor the one with a narrower role).
    const indexed = queryRows<{jti: string}>(
      dir.storePath,
      `SELECT jti FROM tokens INDEXED BY tokens_granting_everything
       WHERE revoked_at IS NULL AND (role = 'Admin' OR instr(grants, '"*"') > 0) ORDER BY created_at, jti`,
    ).map((row) => row.jti)
    expect(indexed).toEqual(expect.arrayContaining([admin, everything]))
    expect(indexed).not.toContain(revoked)
    const plan = queryRows<{detail: string}>(dir.storePath, `EXPLAIN QUERY PLAN ${ADMIN_TOKEN_CANDIDATES}`, new Date().toISOString())
    expect(plan.map((row) => row.detail).join('\n')).toMatch(/USING INDEX tokens_granting_everything/)
    expect(plan.map((row) => row.detail).join('\n')).not.toMatch(/TEMP B-TREE/)
  })
})
