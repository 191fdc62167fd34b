// Scale: every point command must stay flat as the store grows. Builds an "empty" store (just the objects the
// commands touch) and a large one (the same, plus the sizes of the targets, inserted in SQL), then times each
// command on both, interleaved, and prints the ratio large/empty and the peak memory on the large store.
import Database from 'better-sqlite3'
import {randomBytes} from 'node:crypto'
import {join} from 'node:path'

import {cli, fmt, median, peakRssMiB, printTable, recordSummary, tempDir, timeOnce} from './lib.mjs'

const SIZES = {
  accounts: Number(process.env.BENCH_ACCOUNTS ?? 100_000),
  tokens: Number(process.env.BENCH_TOKENS ?? 1_000_000),
  services: Number(process.env.BENCH_SERVICES ?? 10_000),
  infrastructures: Number(process.env.BENCH_INFRAS ?? 1_000),
  permissions: Number(process.env.BENCH_PERMISSIONS ?? 100_000),
  groups: 1_000,
}
const RUNS = Number(process.env.BENCH_RUNS ?? 10)
const {file, prefix, label} = cli()

function run(store, args, options = {}) {
  return timeOnce(file, [...prefix, ...args], {...options, env: {ACCESSCTL_STORE: store, ...options.env}})
}

/** The objects every measured command touches, made through the CLI itself. */
function setUp(store) {
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
function grow(store) {
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

const dir = tempDir()
try {
  const empty = join(dir.path, 'empty.db')
  const large = join(dir.path, 'large.db')
  const emptyIds = setUp(empty)
  const largeIds = setUp(large)
  const built = performance.now()
  grow(large)
  const buildSeconds = (performance.now() - built) / 1000

  const commands = [
    ['accounts get', (ids) => ['accounts', 'get', '-i', ids.owner]],
    ['tokens verify', (ids) => ['tokens', 'verify', ids.token]],
    ['tokens check', (ids) => ['tokens', 'check', ids.token, '-f', 'get', '-r', 'datasets']],
    ['deployment authorize', (ids) => ['deployment', 'authorize', 'dep-bench', '--key', ids.key]],
    ['service get', () => ['service', 'get', 'svc-bench']],
    ['accounts list (page)', () => ['accounts', 'list', '--limit', '100']],
    ['tokens list (page)', () => ['tokens', 'list', '--all', '--limit', '100']],
    ['service list (page)', () => ['service', 'list', '--limit', '100']],
    ['audit list (page)', () => ['audit', 'list', '--limit', '100']],
  ]

  const rows = []
  for (const [name, argsFor] of commands) {
    const emptyArgs = argsFor(emptyIds)
    const largeArgs = argsFor(largeIds)
    run(empty, emptyArgs)
    run(large, largeArgs)
    const emptyTimes = []
    const largeTimes = []
    for (let i = 0; i < RUNS; i++) {
      emptyTimes.push(run(empty, emptyArgs).ms)
      largeTimes.push(run(large, largeArgs).ms)
    }

    const ratio = median(largeTimes) / median(emptyTimes)
    const rss = peakRssMiB(file, [...prefix, ...largeArgs], {env: {ACCESSCTL_STORE: large}})
    const point = !name.includes('(page)')
    if (point) recordSummary(`scale: ${name}`, `${fmt(ratio, 2)}x empty store`, '<= 1.15x', ratio <= 1.15)
    recordSummary(`memory: ${name}`, `${fmt(rss, 0)} MiB`, '<= 100 MiB', rss !== null && rss <= 100)
    rows.push([
      name,
      fmt(median(emptyTimes), 0),
      fmt(median(largeTimes), 0),
      fmt(ratio, 2),
      point ? (ratio <= 1.15 ? 'met' : 'NOT met') : 'pages',
      fmt(rss, 0),
      rss !== null && rss <= 100 ? 'met' : 'NOT met',
    ])
  }

  printTable(
    `scale (${label}; large store: ${Object.entries(SIZES).map(([k, v]) => `${v} ${k}`).join(', ')}; built in ${fmt(buildSeconds, 1)}s; median of ${RUNS})`,
    ['command', 'empty ms', 'large ms', 'large/empty', 'target <=1.15x', 'peak MiB', 'target <=100 MiB'],
    rows,
  )
} finally {
  dir.cleanup()
}
