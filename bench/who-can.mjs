// auth who-can and auth can-i --list on the large store of bench:scale (100,000 accounts, 1,000 groups, 10,000
// services, 100,000 permission rows): each answered in at most 1 s of wall time (the whole CLI run, start-up
// included) and 100 MiB of peak memory. who-can reads no token: the store is built without the million tokens of
// bench:scale unless BENCH_TOKENS asks for them, which only makes the build slower.
import {join} from 'node:path'
import {loadavg} from 'node:os'

process.env.BENCH_TOKENS ??= '0'
const {cli, fmt, median, peakRssMiB, printTable, recordSummary, tempDir} = await import('./lib.mjs')
const {grow, run, setUp, SIZES} = await import('./stores.mjs')

const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const {file, prefix, label} = cli()

const dir = tempDir()
try {
  const store = join(dir.path, 'large.db')
  setUp(store)
  const built = performance.now()
  grow(store)
  // One service every account may read, so that a page deep in 100,000 accounts is measured too.
  run(store, ['service', 'permissions', 'set', 'svc-bench', '--group', 'everyone', '--read'])
  run(store, ['infra', 'permissions', 'set', 'infra-bench', '--group', 'group-7', '--deploy'])
  run(store, ['service', 'permissions', 'set', 'svc-bench', '--group', 'group-7', '--deploy'])
  const buildSeconds = (performance.now() - built) / 1000

  const questions = [
    ['who-can read service/service-5 (one group and the owner)', ['auth', 'who-can', 'read', 'service/service-5']],
    ['who-can deploy svc-bench --infra infra-bench (intersection)', ['auth', 'who-can', 'deploy', 'service/svc-bench', '--infra', 'infra-bench', '--explain']],
    ['who-can read service/svc-bench (everyone), last page', ['auth', 'who-can', 'read', 'service/svc-bench', '--offset', String(SIZES.accounts - 50)]],
    ['who-can read service/svc-bench --limit 10000 --json', ['auth', 'who-can', 'read', 'service/svc-bench', '--limit', '10000', '--json']],
    ['who-can read infra/infra-3', ['auth', 'who-can', 'read', 'infra/infra-3', '--json']],
    ['who-can create service', ['auth', 'who-can', 'create', 'service']],
    ['can-i --list (operator, first page)', ['auth', 'can-i', '--list']],
    ['can-i --list (operator, last page)', ['auth', 'can-i', '--list', '--offset', String(SIZES.services + SIZES.infrastructures - 50)]],
    ['can-i --list --as bench-owner', ['auth', 'can-i', '--list', '--as', 'bench-owner', '--json']],
    ['can-i --list --as user5@example.com', ['auth', 'can-i', '--list', '--as', 'user5@example.com']],
  ]

  const rows = []
  for (const [name, args] of questions) {
    run(store, args)
    const times = []
    for (let i = 0; i < RUNS; i++) times.push(run(store, args).ms)
    const ms = median(times)
    const rss = peakRssMiB(file, [...prefix, ...args], {env: {ACCESSCTL_STORE: store}})
    const fast = ms <= 1000
    const lean = rss !== null && rss <= 100
    recordSummary(`who-can: ${name}`, `${fmt(ms, 0)} ms, ${fmt(rss, 0)} MiB`, '<= 1000 ms, <= 100 MiB', fast && lean)
    rows.push([name, fmt(ms, 0), fast ? 'met' : 'NOT met', fmt(rss, 0), lean ? 'met' : 'NOT met'])
  }

  const load = loadavg().map((n) => n.toFixed(2)).join(' ')
  printTable(
    `who-can and can-i --list (${label}; ${Object.entries(SIZES).map(([k, v]) => `${v} ${k}`).join(', ')}; built in ${fmt(buildSeconds, 1)}s; median of ${RUNS}; load average ${load})`,
    ['question', 'ms', 'target <=1000 ms', 'peak MiB', 'target <=100 MiB'],
    rows,
  )
} finally {
  dir.cleanup()
}
