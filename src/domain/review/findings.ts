import type {AuthMode} from '../../core/deployer.js'
import {isAllWildcard} from '../../core/grant-input.js'
import type {Grant} from '../../core/grants.js'
import {
  adminKeyNeverExpires,
  type Finding,
  longLivedAdminToken,
  oldQueryKey,
  publicProductionDeployment,
  queryKeyCutoff,
} from '../../core/review.js'
import type {Db} from '../../store/store.js'

/**
 * The rows behind the review's findings. Each query narrows in SQL to the candidates and the pure rules of
 * core/review.ts decide; objects are named by id, never by a secret (only hashes are stored anyway).
 */

interface TokenRow {
  jti: string
  account_id: string
  account_name: string
  role: string | null
  grants: string
  label: string | null
  created_at: string
  expires_at: string
}

/**
 * The recorded tokens that may grant everything, still valid, oldest first. Its WHERE repeats the terms of the partial
 * index tokens_granting_everything (schema version 6) as they are written there, which is what lets SQLite read the
 * index rather than every token; test/store/review-index.test.ts checks the plan.
 */
export const ADMIN_TOKEN_CANDIDATES = `SELECT t.jti, t.account_id, a.name AS account_name, t.role, t.grants, t.label, t.created_at, t.expires_at
  FROM tokens t JOIN accounts a ON a.id = t.account_id
  JOIN signing_keys k ON k.kid = t.kid AND k.retired_at IS NULL
  WHERE t.revoked_at IS NULL AND t.expires_at > ? AND (t.role = 'Admin' OR instr(t.grants, '"*"') > 0)
  ORDER BY t.created_at, t.jti`

/**
 * Recorded tokens still valid (not revoked, not expired, their account and signing key still there) that grant
 * everything: the Admin role, or a grant of `*` everywhere. `instr` keeps JSON parsing to the tokens that have a `*`
 * at all; ephemeral tokens live 24 hours at most and are not recorded.
 */
function adminTokens(db: Db, now: Date): Finding[] {
  const rows = db
    .prepare(ADMIN_TOKEN_CANDIDATES)
    .iterate(now.toISOString()) as IterableIterator<TokenRow>
  const findings: Finding[] = []
  for (const row of rows) {
    if (row.role !== 'Admin' && !isAllWildcard(JSON.parse(row.grants) as Grant[])) continue
    const finding = longLivedAdminToken({
      jti: row.jti,
      account: {id: row.account_id, name: row.account_name},
      role: row.role,
      label: row.label,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    })
    if (finding) findings.push(finding)
  }

  return findings
}

function lastingAdminKeys(db: Db): Finding[] {
  const rows = db
    .prepare('SELECT id, label, created_at AS createdAt FROM admin_keys WHERE expires_at IS NULL ORDER BY created_at, id')
    .all() as Array<{id: string; label: string | null; createdAt: string}>
  return rows.map(adminKeyNeverExpires)
}

function oldQueryKeys(db: Db, now: Date): Finding[] {
  const rows = db
    .prepare(
      `SELECT 'service' AS kind, id, service_id AS of, label, created_at FROM service_keys WHERE created_at < :cutoff
       UNION ALL
       SELECT 'deployment', id, deployment_id, label, created_at FROM deployment_keys WHERE created_at < :cutoff
       ORDER BY created_at, id`,
    )
    .all({cutoff: queryKeyCutoff(now)}) as Array<{kind: 'service' | 'deployment'; id: string; of: string; label: string | null; created_at: string}>
  return rows.flatMap((row) => oldQueryKey({id: row.id, of: {type: row.kind, id: row.of}, label: row.label, createdAt: row.created_at}, now) ?? [])
}

function publicProductionDeployments(db: Db): Finding[] {
  const rows = db
    .prepare(
      `SELECT d.id, d.service_id, d.infra_id, d.auth_mode, d.enabled, s.public
       FROM infrastructures i JOIN deployments d ON d.infra_id = i.id JOIN services s ON s.id = d.service_id
       WHERE i.stage = 'Production' AND (d.auth_mode = 'public' OR (d.auth_mode = 'inherit' AND s.public = 1))
       ORDER BY d.id`,
    )
    .all() as Array<{id: string; service_id: string; infra_id: string; auth_mode: AuthMode; enabled: number; public: number}>
  return rows.flatMap(
    (row) =>
      publicProductionDeployment({
        id: row.id,
        service: row.service_id,
        infrastructure: row.infra_id,
        authMode: row.auth_mode,
        servicePublic: row.public === 1,
        enabled: row.enabled === 1,
      }) ?? [],
  )
}

/** Every finding, grouped by kind in a fixed order, each kind oldest first (or by id). */
export function reviewFindings(db: Db, now: Date): Finding[] {
  return [...adminTokens(db, now), ...lastingAdminKeys(db), ...oldQueryKeys(db, now), ...publicProductionDeployments(db)]
}
