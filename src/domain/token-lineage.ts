import {accountOfSubject, type TokenLink} from '../core/token-format.js'
import type {Db} from '../store/store.js'

/**
 * The store's side of the token hierarchy. Verification needs none of it but the generations: a token carries its
 * ancestry and TokenVerifier checks it. What lives here keeps the store telling the same story: token generations
 * (which also end the ephemeral tokens nothing records), and the ancestors of recorded tokens, so that revoking an
 * ancestor also marks its recorded descendants revoked in `tokens list`.
 */

/**
 * The account's token generation: every token carries the one it was minted in, and only tokens of the current one
 * verify. 0 until the account's tokens are first revoked all at once (or a deleted account of that id had some).
 */
export function tokenGeneration(db: Db, accountId: string): number {
  return (db.prepare('SELECT generation FROM token_generations WHERE account_id = ?').pluck().get(accountId) as number | undefined) ?? 0
}

/**
 * Ends every token of the account minted so far, recorded or not, whatever clock minted it: the next generation.
 * The row outlives the account, so an account created later with the same id starts past these tokens.
 */
export function advanceTokenGeneration(db: Db, accountId: string): number {
  return db
    .prepare(
      `INSERT INTO token_generations (account_id, generation) VALUES (?, 1)
       ON CONFLICT (account_id) DO UPDATE SET generation = generation + 1 RETURNING generation`,
    )
    .pluck()
    .get(accountId) as number
}

/** Marks revoked every unrevoked recorded token of the account; returns how many. */
export function revokeAccountRecordedTokens(db: Db, accountId: string, revokedAt: string): number {
  return db.prepare('UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL').run(revokedAt, accountId).changes
}

/** Records the ancestry of a recorded token, one row per ancestor, inside the transaction that records the token. */
export function recordAncestors(db: Db, jti: string, lineage: readonly TokenLink[]): void {
  const insert = db.prepare(
    `INSERT INTO token_ancestors (ancestor_jti, ancestor_account_id, ancestor_issued_at, ancestor_kid, jti)
     VALUES (?, ?, ?, ?, ?)`,
  )
  for (const link of lineage) insert.run(link.jti, accountOfSubject(link.sub), link.iat, link.kid, jti)
}

/** Which ancestors' descendants to revoke: one token's, an account's, one key's. */
export type AncestorSelector = {jti: string} | {accountId: string} | {kid: string}

/** Marks revoked the unrevoked recorded tokens that have a selected ancestor, at any depth; returns how many. */
export function revokeRecordedDescendants(db: Db, revokedAt: string, of: AncestorSelector): number {
  let ancestors: string
  let params: unknown[]
  if ('jti' in of) {
    ancestors = 'ancestor_jti = ?'
    params = [of.jti]
  } else if ('kid' in of) {
    ancestors = 'ancestor_kid = ?'
    params = [of.kid]
  } else {
    ancestors = 'ancestor_account_id = ?'
    params = [of.accountId]
  }

  return db
    .prepare(`UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL AND jti IN (SELECT jti FROM token_ancestors WHERE ${ancestors})`)
    .run(revokedAt, ...params).changes
}
