// Review: `accessctl review` reads the whole store, so it is measured on the large store of bench:scale (built the
// same way: setUp through the CLI, then grow in SQL) in each of its formats, against `accounts get` (a point command)
// in the same run: median wall time, and peak memory (VmHWM, from GNU time) against the 100 MiB a command may use.
// BENCH_REVIEW_STORE=path measures a store built before by this benchmark (kept with BENCH_KEEP_STORE=1) instead.
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {dirname, join} from 'node:path'

import {cli, fmt, median, peakRssMiB, printTable, recordSummary, tempDir} from './lib.mjs'
import {grow, run, setUp, SIZES} from './stores.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const MEMORY_TARGET_MIB = 100
const TIME_TARGET_MS = 3000
const {file, prefix, label} = cli()
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')

const dir = tempDir()
try {
  const loadBefore = load()
  let store = process.env.BENCH_REVIEW_STORE
  let ids
  let buildSeconds = null
  if (store && existsSync(store) && existsSync(`${store}.ids.json`)) {
    ids = JSON.parse(readFileSync(`${store}.ids.json`, 'utf8'))
  } else {
    store ??= join(dir.path, 'large.db')
    mkdirSync(dirname(store), {recursive: true})
    const started = performance.now()
    ids = setUp(store)
    grow(store)
    buildSeconds = (performance.now() - started) / 1000
    writeFileSync(`${store}.ids.json`, JSON.stringify(ids))
  }

  const commands = [
    ['accounts get', ['accounts', 'get', '-i', ids.owner]],
    ['review (tables)', ['review']],
    ['review --json', ['review', '--json']],
    ['review --format markdown', ['review', '--format', 'markdown']],
  ]
  const times = new Map(commands.map(([name]) => [name, []]))
  const sizes = new Map()
  for (const [name, args] of commands) sizes.set(name, run(store, args).stdout.length)
  for (let i = 0; i < RUNS; i++) for (const [name, args] of commands) times.get(name).push(run(store, args).ms)

  const baseline = median(times.get('accounts get'))
  const rows = commands.map(([name, args]) => {
    const ms = median(times.get(name))
    const rss = peakRssMiB(file, [...prefix, ...args], {env: {ACCESSCTL_STORE: store}})
    const memoryMet = rss !== null && rss <= MEMORY_TARGET_MIB
    if (name !== 'accounts get') {
      recordSummary(`time: ${name}`, `${fmt(ms, 0)} ms`, `<= ${TIME_TARGET_MS} ms`, ms <= TIME_TARGET_MS)
      recordSummary(`memory: ${name}`, `${fmt(rss, 0)} MiB`, `<= ${MEMORY_TARGET_MIB} MiB`, memoryMet)
    }

    return [name, fmt(ms, 0), fmt(ms / baseline, 1), fmt(sizes.get(name) / 1_048_576, 1), fmt(rss, 1), memoryMet ? 'met' : 'NOT met']
  })

  printTable(
    `review (${label}; store: ${Object.entries(SIZES).map(([k, v]) => `${v} ${k}`).join(', ')}` +
      `${buildSeconds === null ? '' : `, built in ${fmt(buildSeconds, 0)}s`}; median of ${RUNS}; load average ${loadBefore} before, ${load()} after)`,
    ['command', 'median ms', 'x accounts get', 'stdout MiB', 'peak MiB', `target <=${MEMORY_TARGET_MIB} MiB`],
    rows,
  )
} finally {
  if (process.env.BENCH_KEEP_STORE !== '1') dir.cleanup()
}
