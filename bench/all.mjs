// `npm run bench`: every benchmark in turn (each prints its own table), then one table of every target figure.
// The start-up benchmark needs dist/accessctl: build it first with `npm run build:binary`.
import {spawnSync} from 'node:child_process'
import {existsSync, readFileSync, rmSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import {printTable, ROOT} from './lib.mjs'

const summary = join(tmpdir(), `accessctl-bench-${process.pid}.jsonl`)
const benches = ['import', 'apply', 'verify', 'scale', 'who-can', 'policy-tests', 'review', 'serve', 'fleet', 'startup']
const env = {...process.env, BENCH_SUMMARY_FILE: summary}
for (const bench of benches) {
  if (bench === 'startup' && !existsSync(join(ROOT, 'dist', 'accessctl'))) {
    console.log('\n(start-up not measured: dist/accessctl is missing; run npm run build:binary first)')
    continue
  }

  console.log(`\n== bench:${bench}`)
  spawnSync(process.execPath, [join(ROOT, 'bench', `${bench}.mjs`)], {stdio: 'inherit', env})
}

const rows = existsSync(summary)
  ? readFileSync(summary, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))
  : []
rmSync(summary, {force: true})
printTable(
  `all targets (${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end)`,
  ['figure', 'measured', 'target', ''],
  rows.map((r) => [r.figure, r.measured, r.target, r.met ? 'met' : 'NOT met']),
)
