// Profiles `accessctl serve` under wrk: one serve process per case (API-key admissions, API-key denials, the same
// few bearer tokens), started with `node --cpu-prof`, loaded for BENCH_PROFILE_SECONDS, stopped with SIGTERM (which
// writes the .cpuprofile), then summarised: the functions with the most self time, and the self time grouped by
// where the code lives (accessctl, fastify, prom-client, better-sqlite3 and SQLite, Node's own, the garbage
// collector). `node bench/serve-profile.mjs [out-dir]`; the profiles stay in out-dir for Chrome's DevTools.
import {spawn, spawnSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdirSync, openSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join, resolve} from 'node:path'

import {ROOT, tempDir} from './lib.mjs'
import {run, setUp} from './stores.mjs'

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 8)
const TOP = Number(process.env.BENCH_PROFILE_TOP ?? 25)
/** More flags for the profiled node, e.g. --no-turbo-inlining to see the functions that inlining hides. */
const NODE_FLAGS = process.env.BENCH_PROFILE_NODE_FLAGS?.split(' ').filter(Boolean) ?? []
const outDir = resolve(process.argv[2] ?? join(tempDir('accessctl-profile-').path))
mkdirSync(outDir, {recursive: true})

const freePort = () =>
  new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const {port} = probe.address()
      probe.close(() => done(port))
    })
  })

/** Where a function lives, for the grouped view. */
function placeOf(url, name) {
  if (name === '(garbage collector)') return 'GC'
  if (name === '(program)' || name === '(idle)' || name === '(root)') return name
  if (url.includes('/node_modules/fastify/') || url.includes('/node_modules/find-my-way/') || url.includes('/node_modules/@fastify/') || url.includes('/node_modules/light-my-request/')) return 'fastify'
  if (url.includes('/node_modules/prom-client/') || url.includes('/node_modules/tdigest/') || url.includes('/node_modules/bintrees/')) return 'prom-client'
  if (url.includes('/node_modules/better-sqlite3/')) return 'better-sqlite3 (JS)'
  if (url.includes('/node_modules/')) return `other packages (${url.split('/node_modules/').pop().split('/')[0]})`
  if (url.includes('/dist/lib/serve/')) return 'accessctl serve/'
  if (url.includes('/dist/lib/')) return 'accessctl domain, store, core'
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`
  if (url === '') return 'native (SQLite, crypto, writes: no JS frame)'
  return 'other'
}

export function summarise(profile) {
  const total = profile.samples.length
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfCount = new Map()
  for (const id of profile.samples) selfCount.set(id, (selfCount.get(id) ?? 0) + 1)
  const functions = new Map()
  const places = new Map()
  let busy = 0
  for (const [id, count] of selfCount) {
    const {callFrame} = byNode.get(id)
    const name = callFrame.functionName || '(anonymous)'
    if (name === '(idle)') continue
    busy += count
    const url = callFrame.url.replace(/^file:\/\//, '').replace(ROOT, '')
    const key = `${name} ${url}${callFrame.lineNumber >= 0 ? `:${callFrame.lineNumber + 1}` : ''}`
    functions.set(key, (functions.get(key) ?? 0) + count)
    const place = placeOf(url, name)
    places.set(place, (places.get(place) ?? 0) + count)
  }

  const share = (count) => `${((100 * count) / busy).toFixed(1)}%`
  return {
    total,
    busy,
    functions: [...functions].sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([key, count]) => [share(count), key]),
    places: [...places].sort((a, b) => b[1] - a[1]).map(([key, count]) => [share(count), key]),
  }
}

async function profileCase(name, store, wrkArgs) {
  const port = await freePort()
  const dir = join(outDir, name)
  mkdirSync(dir, {recursive: true})
  const log = openSync(join(dir, 'serve.log'), 'w')
  const child = spawn(process.execPath, [...NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${dir}`, join(ROOT, 'bin', 'run.js'), 'serve', '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', log],
    env: {...process.env, ACCESSCTL_STORE: store},
  })
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      await globalThis.fetch(`${url}/healthz`)
      break
    } catch {
      if (i > 300) throw new Error('serve did not start')
      await new Promise((done) => setTimeout(done, 100))
    }
  }

  const path = `${url}/v1/deployments/dep-bench/authorize`
  // A short warm-up, so the profile is of the steady state (the JIT's work is done).
  spawnSync('wrk', ['-t1', '-c50', '-d2s', ...wrkArgs, path])
  const out = spawnSync('wrk', ['-t1', '-c50', `-d${SECONDS}s`, '--latency', ...wrkArgs, path], {encoding: 'utf8'}).stdout
  await new Promise((done) => {
    child.once('exit', done)
    child.kill('SIGTERM')
  })
  const file = readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'))
  const summary = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')))
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? '0'
  console.log(`\n== ${name}: ${rps} requests/s (${non2xx} non-2xx), load average ${readFileSync('/proc/loadavg', 'utf8').trim()}`)
  console.log(`   ${summary.busy} busy samples of ${summary.total}; self time by place:`)
  for (const [pct, place] of summary.places) console.log(`   ${pct.padStart(6)}  ${place}`)
  console.log(`   top ${TOP} functions by self time:`)
  for (const [pct, key] of summary.functions) console.log(`   ${pct.padStart(6)}  ${key}`)
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary, null, 2))
}

const work = tempDir()
try {
  const store = join(work.path, 'store.db')
  const ids = setUp(store)
  run(store, ['service', 'permissions', 'set', 'svc-bench', '-g', 'bench-group', '--read'])
  run(store, ['infra', 'permissions', 'set', 'infra-bench', '-g', 'bench-group', '--view'])
  const tokens = []
  for (let i = 0; i < 4; i++) tokens.push(run(store, ['tokens', 'create', '-i', ids.owner, '-f', 'consume', '-r', 'deployments', '-e', 'dep-bench']).stdout.trim())
  const script = join(work.path, 'few.lua')
  writeFileSync(
    script,
    `local tokens = {${tokens.map((t) => `"${t}"`).join(', ')}}
local n = 0
request = function()
  n = n % #tokens + 1
  return wrk.format(nil, nil, {["Authorization"] = "Bearer " .. tokens[n]})
end
`,
  )
  const only = process.env.BENCH_PROFILE_CASES?.split(',')
  const cases = {
    admissions: ['-H', `x-api-key: ${ids.key}`],
    denials: ['-H', `x-api-key: acdk_${randomBytes(32).toString('base64url')}`],
    bearer: ['-s', script],
  }
  for (const [name, args] of Object.entries(cases)) if (!only || only.includes(name)) await profileCase(name, store, args)
  console.log(`\nprofiles in ${outDir}`)
} finally {
  work.cleanup()
}
