// Scale: every point command must stay flat as the store grows. Builds an "empty" store (just the objects the
// commands touch) and a large one (the same, plus the sizes of the targets, inserted in SQL), then times each
// command on both, interleaved, and prints the ratio large/empty and the peak memory on the large store.
import {join} from 'node:path'

import {cli, fmt, median, peakRssMiB, printTable, recordSummary, tempDir} from './lib.mjs'
import {grow, run, setUp, SIZES} from './stores.mjs'

const RUNS = Number(process.env.BENCH_RUNS ?? 10)
const {file, prefix, label} = cli()

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
