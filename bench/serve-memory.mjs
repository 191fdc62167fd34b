// bench:serve-memory: the peak resident memory (VmHWM) of every process of `accessctl serve`, its access log on (to
// a file, as in production), under wrk load with keep-alive: API-key admissions and denials, a few bearer tokens
// repeated and BENCH_SERVE_TOKENS distinct tokens (which fill the signature cache). Target: at most 100 MiB per
// process with the default settings (no NODE_OPTIONS). Runs with 1 worker (one process) and, where serve has the
// flag, with BENCH_SERVE_WORKERS (default 2; the primary and each worker are measured apart).
// BENCH_BIN=dist/accessctl measures the executable.
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {closeSync, createReadStream, existsSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {cli, fmt, printTable, recordSummary, tempDir} from './lib.mjs'
import {distinctTokens, run, setUp} from './stores.mjs'

const SECONDS = Number(process.env.BENCH_SERVE_SECONDS ?? 10)
const CONNECTIONS = Number(process.env.BENCH_SERVE_CONNECTIONS ?? 50)
const DISTINCT = Number(process.env.BENCH_SERVE_TOKENS ?? 20_000)
const WORKERS = process.env.BENCH_SERVE_WORKERS ?? '2'
const LIMIT_MIB = 100
const {file, prefix, label} = cli()

if (spawnSync('wrk', ['--version']).error !== undefined) {
  console.error('bench:serve-memory needs wrk: apt-get install -y wrk')
  process.exit(1)
}

/** The pids of the server process and of its children (the workers), from /proc. */
function processTree(pid) {
  const children = existsSync(`/proc/${pid}/task/${pid}/children`) ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim() : ''
  return [pid, ...children.split(/\s+/).filter(Boolean).map(Number).flatMap((child) => processTree(child))]
}

/** Peak resident memory of one process so far, in MiB; undefined once it is gone. */
function peakMiB(pid) {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024
  } catch {
    return undefined
  }
}

/** The access log's lines (they carry a route), read line by line: a run's log can be over a GiB. */
async function accessLogLines(path) {
  let count = 0
  for await (const line of createInterface({input: createReadStream(path), crlfDelay: Infinity})) {
    if (line.startsWith('{"time"') && line.includes('"route"')) count++
  }

  return count
}

async function startServe(store, dir, workers) {
  const log = join(dir, `serve-${workers}.log`)
  const fd = openSync(log, 'w')
  const args = [...prefix, 'serve', '--listen', '127.0.0.1:0', ...(workers === '1' ? [] : ['--workers', workers])]
  const env = {...process.env, ACCESSCTL_STORE: store}
  // The default settings are what is measured; BENCH_SERVE_NODE_OPTIONS tries others.
  delete env.NODE_OPTIONS
  if (process.env.BENCH_SERVE_NODE_OPTIONS) env.NODE_OPTIONS = process.env.BENCH_SERVE_NODE_OPTIONS
  const child = spawn(file, args, {stdio: ['ignore', 'ignore', fd], env})
  closeSync(fd)
  // The URL is in the first line; with workers, `ready` says that every worker listens.
  for (let i = 0; i < 600; i++) {
    const lines = readFileSync(log, 'utf8').split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line))
    const listening = lines.find((line) => line.msg === 'listening')
    if (listening && (workers === '1' || lines.some((line) => line.msg === 'ready'))) {
      return {url: listening.url, child, log, stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM')))}
    }

    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}:\n${readFileSync(log, 'utf8')}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  throw new Error('serve did not start')
}

function wrk(url, {headers = {}, script}) {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`])]
  if (script) args.push('-s', script)
  const out = spawnSync('wrk', [...args, url], {encoding: 'utf8'}).stdout
  return {rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), requests: Number(/(\d+) requests in/.exec(out)?.[1])}
}

function tokenScript(dir, name, tokens) {
  const list = join(dir, `${name}.txt`)
  writeFileSync(list, `${tokens.join('\n')}\n`)
  const script = join(dir, `${name}.lua`)
  writeFileSync(
    script,
    `local tokens = {}
for line in io.lines("${list}") do tokens[#tokens + 1] = line end
local n = 0
request = function()
  n = n % #tokens + 1
  return wrk.format(nil, nil, {["Authorization"] = "Bearer " .. tokens[n]})
end
`,
  )
  return script
}

const helpText = spawnSync(file, [...prefix, 'serve', '--help'], {encoding: 'utf8'}).stdout
const workerCounts = process.env.BENCH_SERVE_ONLY_WORKERS ? [process.env.BENCH_SERVE_ONLY_WORKERS] : ['1', ...(helpText.includes('--workers') ? [WORKERS] : [])]
const dir = tempDir()
const rows = []
try {
  const store = join(dir.path, 'store.db')
  const ids = setUp(store)
  run(store, ['service', 'permissions', 'set', 'svc-bench', '-g', 'bench-group', '--read'])
  run(store, ['infra', 'permissions', 'set', 'infra-bench', '-g', 'bench-group', '--view'])
  const create = () => run(store, ['tokens', 'create', '-i', ids.owner, '-f', 'consume', '-r', 'deployments', '-e', 'dep-bench']).stdout.trim()
  const few = Array.from({length: 4}, create)
  const {tokens: distinct} = distinctTokens(store, ids.owner, DISTINCT)
  const cases = {
    'key admissions': {headers: {'x-api-key': ids.key}},
    'key denials': {headers: {'x-api-key': `acdk_${randomBytes(32).toString('base64url')}`}},
    'bearer, 4 repeated': {script: tokenScript(dir.path, 'few', few)},
    [`bearer, ${distinct.length} distinct`]: {script: tokenScript(dir.path, 'distinct', distinct)},
  }
  for (const workers of workerCounts) {
    const server = await startServe(store, dir.path, workers)
    const pids = processTree(server.child.pid)
    const loadBefore = loadavg()[0]
    const rates = []
    for (const [name, options] of Object.entries(cases)) {
      const result = wrk(`${server.url}/v1/deployments/dep-bench/authorize`, options)
      rates.push(`${name} ${fmt(result.rps, 0)}/s`)
    }

    const peaks = pids.map((pid) => peakMiB(pid))
    const loadAfter = loadavg()[0]
    await server.stop()
    const lines = await accessLogLines(server.log)
    const worst = Math.max(...peaks.filter((peak) => peak !== undefined))
    const roles = pids.length === 1 ? ['the process'] : ['primary', ...pids.slice(1).map((_, i) => `worker ${i + 1}`)]
    recordSummary(`serve memory, ${workers} worker(s) (${label})`, `${fmt(worst, 0)} MiB`, `<= ${LIMIT_MIB} MiB`, worst <= LIMIT_MIB)
    rows.push([
      workers,
      roles.map((role, i) => `${role} ${fmt(peaks[i], 0)}`).join(', '),
      worst <= LIMIT_MIB ? 'met' : 'NOT met',
      `${rates.join('; ')}; ${lines} access log lines; load average ${fmt(loadBefore, 2)} -> ${fmt(loadAfter, 2)}`,
    ])
  }

  printTable(
    `serve peak memory (${label}; wrk -t1 -c${CONNECTIONS} -d${SECONDS}s per case, keep-alive, access log on, no NODE_OPTIONS)`,
    ['workers', 'peak RSS (MiB), VmHWM', `<= ${LIMIT_MIB} MiB`, 'detail'],
    rows,
  )
} finally {
  dir.cleanup()
}
