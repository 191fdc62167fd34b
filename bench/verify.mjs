// Batch verification: `tokens verify -` over 100,000 tokens against a bare Ed25519 crypto.verify loop over the
// same tokens in this process, measured in the same run. Target: at least 70% of the bare loop's throughput.
import Database from 'better-sqlite3'
import {createPrivateKey, createPublicKey, randomBytes, sign, verify} from 'node:crypto'
import {join} from 'node:path'

import {cli, fmt, printTable, recordSummary, tempDir, timeOnce} from './lib.mjs'

const COUNT = Number(process.env.BENCH_VERIFY_COUNT ?? 100_000)
const {file, prefix, label} = cli()
const dir = tempDir()
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

try {
  const store = join(dir.path, 'store.db')
  const env = {ACCESSCTL_STORE: store}
  const account = JSON.parse(timeOnce(file, [...prefix, 'accounts', 'create', '-n', 'bench', '--json'], {env}).stdout).id
  timeOnce(file, [...prefix, 'tokens', 'create', '-i', account, '--role', 'AuditDeveloper'], {env}) // makes the signing key

  // Sign COUNT recorded account tokens with the store's own key, as `tokens create` would, and record them.
  const db = new Database(store)
  const {kid, private_jwk: privateJwk} = db.prepare('SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL').get()
  const privateKey = createPrivateKey({key: JSON.parse(privateJwk), format: 'jwk'})
  const publicKey = createPublicKey(privateKey)
  const now = Math.floor(Date.now() / 1000)
  const header = b64({alg: 'EdDSA', kid, typ: 'JWT'})
  const grants = [{resources: ['*'], functions: ['get', 'query'], accounts: ['*'], entities: ['*']}]
  const tokens = []
  const insert = db.prepare(
    `INSERT INTO tokens (jti, account_id, type, role, grants, kid, created_at, created_by, not_before, expires_at)
     VALUES (?, ?, 'account', NULL, ?, ?, ?, 'bench', ?, ?)`,
  )
  db.transaction(() => {
    for (let i = 0; i < COUNT; i++) {
      const jti = randomBytes(16).toString('hex')
      const input = `${header}.${b64({jti, sub: `Account/${account}`, iat: now, nbf: now, exp: now + 3600, typ: 'account', grants})}`
      tokens.push(`${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`)
      const iso = new Date(now * 1000).toISOString()
      insert.run(jti, account, JSON.stringify(grants), kid, iso, iso, new Date((now + 3600) * 1000).toISOString())
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()

  // Baseline: the bare signature check, nothing else, over the same tokens.
  const bareStart = performance.now()
  let good = 0
  for (const token of tokens) {
    const cut = token.lastIndexOf('.')
    if (verify(null, Buffer.from(token.slice(0, cut)), publicKey, Buffer.from(token.slice(cut + 1), 'base64url'))) good++
  }

  const bareSeconds = (performance.now() - bareStart) / 1000
  if (good !== COUNT) throw new Error(`bare loop verified ${good} of ${COUNT}`)

  const input = `${tokens.join('\n')}\n`
  const {ms, stdout} = timeOnce(file, [...prefix, 'tokens', 'verify', '-'], {env, input})
  const lines = stdout.trim().split('\n')
  const valid = lines.filter((line) => JSON.parse(line).valid === true).length
  if (valid !== COUNT) throw new Error(`tokens verify - said ${valid} of ${COUNT} are valid`)

  const bareRate = COUNT / bareSeconds
  const cliRate = COUNT / (ms / 1000)
  const ratio = cliRate / bareRate
  recordSummary(`throughput: tokens verify - (${COUNT})`, `${fmt(ratio, 2)} of bare Ed25519 (${fmt(cliRate, 0)}/s)`, '>= 0.70', ratio >= 0.7)
  printTable(`batch verification (${label}, ${COUNT} recorded account tokens)`, ['what', 'seconds', 'tokens/s', 'ratio to bare', 'target >=0.70'], [
    ['bare Ed25519 crypto.verify loop', fmt(bareSeconds, 2), fmt(bareRate, 0), '1.00', ''],
    ['accessctl tokens verify - (whole command)', fmt(ms / 1000, 2), fmt(cliRate, 0), fmt(ratio, 2), ratio >= 0.7 ? 'met' : 'NOT met'],
  ])
} finally {
  dir.cleanup()
}
