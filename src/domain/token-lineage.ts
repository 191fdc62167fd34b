import {accountOfSubject, type TokenLink} from '../core/token-format.js'
import type {Db} from '../store/store.js'

/**
 * The store's side of the token hierarchy. Verification needs none of it: a token carries its ancestry and
 * TokenVerifier checks it. What lives here keeps the store telling the same story: account-wide revocation times
 * (which also end the ephemeral tokens nothing records), and the ancestors of recorded tokens, so that revoking an
 * ancestor also marks its recorded descendants revoked in `tokens list`.
 */

/** The Unix second before which every token of the account was revoked, or null if that never happened. */
export function tokensRevokedBefore(db: Db, accountId: string): number | null {
  return (db.prepare('SELECT tokens_revoked_before FROM accounts WHERE id = ?').pluck().get(accountId) as number | null | undefined) ?? null
}

/**
 * Revokes every token of the account issued up to now, recorded or not. `iat` counts whole seconds, so the cut is
 * the next second: every token of this second is revoked, and a token minted after this waits for that second
 * (see createToken) rather than be born revoked.
 */
export function revokeAccountTokensIssuedUntil(db: Db, accountId: string, nowMs: number): number {
  const revokedBefore = Math.floor(nowMs / 1000) + 1
  db.prepare('UPDATE accounts SET tokens_revoked_before = max(coalesce(tokens_revoked_before, 0), ?) WHERE id = ?').run(revokedBefore, accountId)
  return revokedBefore
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

/** Which ancestors' descendants to revoke: one token's, an account's (issued before a second, or all), one key's. */
export type AncestorSelector = {jti: string} | {accountId: string; issuedBefore?: number} | {kid: string}

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
  } else if (of.issuedBefore === undefined) {
    ancestors = 'ancestor_account_id = ?'
    params = [of.accountId]
  } else {
    ancestors = 'ancestor_account_id = ? AND ancestor_issued_at < ?'
    params = [of.accountId, of.issuedBefore]
  }

  return db
    .prepare(`UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL AND jti IN (SELECT jti FROM token_ancestors WHERE ${ancestors})`)
    .run(revokedAt, ...params).changes
}
