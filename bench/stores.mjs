// The stores of the scale benchmarks, shared by bench:scale and bench:serve: an "empty" store holding just the
// objects the measured commands touch (made through the CLI), and the target sizes added to it in SQL.
import Database from 'better-sqlite3'
import {createPrivateKey, createPublicKey, randomBytes, sign} from 'node:crypto'

import {cli, timeOnce} from './lib.mjs'

export const SIZES = {
  accounts: Number(process.env.BENCH_ACCOUNTS ?? 100_000),
  tokens: Number(process.env.BENCH_TOKENS ?? 1_000_000),
  services: Number(process.env.BENCH_SERVICES ?? 10_000),
  infrastructures: Number(process.env.BENCH_INFRAS ?? 1_000),
  permissions: Number(process.env.BENCH_PERMISSIONS ?? 100_000),
  groups: 1_000,
}
const {file, prefix} = cli()

export function run(store, args, options = {}) {
  return timeOnce(file, [...prefix, ...args], {...options, env: {ACCESSCTL_STORE: store, ...options.env}})
}

/** The objects every measured command touches, made through the CLI itself. */
export function setUp(store) {
  run(store, ['groups', 'create', 'bench-group'])
  const owner = JSON.parse(run(store, ['accounts', 'create', '-n', 'bench-owner', '-g', 'bench-group', '--json']).stdout).id
  const token = run(store, ['tokens', 'create', '-i', owner, '--role', 'AuditDeveloper']).stdout.trim()
  run(store, ['service', 'create', 'svc-bench', '--owner', 'bench-owner'])
  run(store, ['service', 'versions', 'add', 'svc-bench', '1.0'])
  run(store, ['infra', 'create', 'infra-bench', '--stage', 'Production'])
  run(store, ['deployment', 'create', '--service', 'svc-bench', '--infra', 'infra-bench', '--id', 'dep-bench'])
  run(store, ['deployment', 'auth', 'set', 'dep-bench', '--mode', 'api-keys'])
  const key = run(store, ['deployment', 'keys', 'create', 'dep-bench', '--label', 'bench']).stdout.trim()
  return {owner, token, key}
}

/** The sizes of the targets, in SQL: one transaction per table, ids that look like the real ones. */
export function grow(store) {
  const db = new Database(store)
  db.pragma('journal_mode = WAL')
  const now = new Date().toISOString()
  const later = new Date(Date.now() + 90 * 86_400_000).toISOString()
  const hex = () => randomBytes(16).toString('hex')
  const kid = db.prepare('SELECT kid FROM signing_keys WHERE retired_at IS NULL LIMIT 1').pluck().get()
  const accountIds = []
  db.transaction(() => {
    const insert = db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)')
    for (let i = 0; i < SIZES.accounts; i++) {
      const id = hex()
      accountIds.push(id)
      insert.run(id, `user${i}@example.com`, now)
    }
  })()
  db.transaction(() => {
    const insert = db.prepare(
      `INSERT INTO tokens (jti, account_id, type, role, grants, label, kid, created_at, created_by, not_before, expires_at)
       VALUES (?, ?, 'account', 'AuditDeveloper', '[]', NULL, ?, ?, 'bench', ?, ?)`,
    )
    for (let i = 0; i < SIZES.tokens; i++) insert.run(hex(), accountIds[i % accountIds.length], kid, now, now, later)
  })()
  db.transaction(() => {
    const group = db.prepare('INSERT INTO groups (name, created_at) VALUES (?, ?)')
    for (let i = 0; i < SIZES.groups; i++) group.run(`group-${i}`, now)
    const service = db.prepare("INSERT INTO services (id, owner_account_id, created_at, created_by) VALUES (?, ?, ?, 'bench')")
    for (let i = 0; i < SIZES.services; i++) service.run(`service-${i}`, accountIds[i % accountIds.length], now)
    const infra = db.prepare("INSERT INTO infrastructures (id, stage, created_at, created_by) VALUES (?, 'Test', ?, 'bench')")
    for (let i = 0; i < SIZES.infrastructures; i++) infra.run(`infra-${i}`, now)
    const servicePermission = db.prepare('INSERT INTO service_permissions (service_id, group_name, can_read) VALUES (?, ?, 1)')
    const infraPermission = db.prepare('INSERT INTO infra_permissions (infra_id, group_name, can_view) VALUES (?, ?, 1)')
    const infraShare = Math.floor(SIZES.permissions / 10)
    for (let i = 0; i < SIZES.permissions - infraShare; i++) {
      const service = i % SIZES.services
      const round = Math.floor(i / SIZES.services)
      servicePermission.run(`service-${service}`, `group-${(round * 100 + service) % SIZES.groups}`)
    }

    for (let i = 0; i < infraShare; i++) {
      const infra = i % SIZES.infrastructures
      const round = Math.floor(i / SIZES.infrastructures)
      infraPermission.run(`infra-${infra}`, `group-${(round * 7 + infra) % SIZES.groups}`)
    }

    const member = db.prepare('INSERT INTO group_members (group_name, account_id, added_at) VALUES (?, ?, ?)')
    for (let i = 0; i < accountIds.length; i++) member.run(`group-${i % SIZES.groups}`, accountIds[i], now)
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

/**
 * `count` recorded tokens with consume on dep-bench, signed with the store's key as `tokens create` would, written in
 * SQL (minting 50,000 through the CLI would take minutes): for bench:serve and bench:serve-memory.
 */
export function distinctTokens(store, owner, count) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const db = new Database(store)
  const {kid, private_jwk: privateJwk} = db.prepare('SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL').get()
  const privateKey = createPrivateKey({key: JSON.parse(privateJwk), format: 'jwk'})
  const now = Math.floor(Date.now() / 1000)
  const header = b64({alg: 'EdDSA', kid, typ: 'JWT'})
  const grants = [{resources: ['deployments'], functions: ['consume'], accounts: [], entities: ['dep-bench']}]
  const insert = db.prepare(
    `INSERT INTO tokens (jti, account_id, type, role, grants, kid, created_at, created_by, not_before, expires_at)
     VALUES (?, ?, 'account', NULL, ?, ?, ?, 'bench', ?, ?)`,
  )
  const tokens = []
  const iso = new Date(now * 1000).toISOString()
  const expires = new Date((now + 3600) * 1000).toISOString()
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const jti = randomBytes(16).toString('hex')
      const input = `${header}.${b64({jti, sub: `Account/${owner}`, iat: now, nbf: now, exp: now + 3600, typ: 'account', grants})}`
      tokens.push(`${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`)
      insert.run(jti, owner, JSON.stringify(grants), kid, iso, iso, expires)
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return {tokens, publicKeyPem: createPublicKey(privateKey).export({type: 'spki', format: 'pem'})}
}
