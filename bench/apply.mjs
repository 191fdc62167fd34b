// apply throughput: a document of 10,000 accounts, 1,000 groups, 1,000 services and 10,000 service permission rows
// applied to an empty store, against `accounts import` of as many rows (22,000 accounts) in the same run; peak
// memory of that apply; and a second apply of the same document (nothing to change) against `export` of that state.
import {spawnSync} from 'node:child_process'
import {existsSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cli, fmt, printTable, recordSummary, tempDir, timeOnce} from './lib.mjs'

const ACCOUNTS = Number(process.env.BENCH_APPLY_ACCOUNTS ?? 10_000)
const GROUPS = Math.max(1, Math.round(ACCOUNTS / 10))
const SERVICES = GROUPS
const PERMISSIONS_PER_SERVICE = 10
const ROWS = ACCOUNTS + GROUPS + SERVICES + SERVICES * PERMISSIONS_PER_SERVICE
const {file, prefix, label} = cli()
const dir = tempDir()
/** CPU seconds (user + system) and peak MiB of one run, from GNU time: steadier than wall time on a shared machine. */
function cpuAndRss(store, ...args) {
  if (!existsSync('/usr/bin/time')) return {cpu: null, rss: null}
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', file, ...prefix, ...args], {env: {...process.env, ACCESSCTL_STORE: join(dir.path, store)}, maxBuffer: 1 << 30})
  const [user, system, kib] = result.stderr.toString().trim().split('\n').at(-1).split(' ').map(Number)
  return {cpu: user + system, rss: kib / 1024}
}

const run = (store, ...args) => timeOnce(file, [...prefix, ...args], {env: {ACCESSCTL_STORE: join(dir.path, store)}})
try {
  const lines = ['apiVersion: accessctl/v1', 'groups:']
  for (let g = 0; g < GROUPS; g++) lines.push(`  - name: group-${g}`, `    mayCreateServices: ${g % 2 === 0}`)
  lines.push('accounts:')
  for (let a = 0; a < ACCOUNTS; a++) lines.push(`  - name: user${a}@example.com`, `    groups: [group-${a % GROUPS}]`)
  lines.push('services:')
  for (let s = 0; s < SERVICES; s++) {
    const permissions = Array.from({length: PERMISSIONS_PER_SERVICE}, (_, k) => `group-${(s * PERMISSIONS_PER_SERVICE + k) % GROUPS}: [${k % 2 ? 'read' : 'deploy'}]`)
    lines.push(`  - id: service-${s}`, '    public: true', `    permissions: {${permissions.join(', ')}}`)
  }

  const documentPath = join(dir.path, 'access.yaml')
  writeFileSync(documentPath, `${lines.join('\n')}\n`)
  const importPath = join(dir.path, 'accounts.jsonl')
  writeFileSync(importPath, Array.from({length: ROWS}, (_, i) => JSON.stringify({name: `user${i}@example.com`})).join('\n'))

  // Baseline and apply alternate, three rounds each, on fresh stores; medians.
  const importMs = []
  const applyMs = []
  for (let round = 0; round < 3; round++) {
    importMs.push(run(`import-${round}.db`, 'accounts', 'import', importPath).ms)
    applyMs.push(run(`apply-${round}.db`, 'apply', '-f', documentPath).ms)
  }

  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
  const importRate = ROWS / (median(importMs) / 1000)
  const applyRate = ROWS / (median(applyMs) / 1000)
  const rateRatio = applyRate / importRate

  const again = []
  const exported = []
  for (let round = 0; round < 3; round++) {
    exported.push(run('apply-0.db', 'export').ms)
    const second = run('apply-0.db', 'apply', '-f', documentPath)
    if (!second.stdout.startsWith('no changes')) throw new Error(`the second apply changed something: ${second.stdout.slice(0, 300)}`)
    again.push(second.ms)
  }

  const againRatio = median(again) / median(exported)
  const applyCpu = cpuAndRss('rss.db', 'apply', '-f', documentPath)
  const importCpu = cpuAndRss('rss-import.db', 'accounts', 'import', importPath)
  const rss = applyCpu.rss
  const importRss = importCpu.rss
  const cpuRatio = applyCpu.cpu === null ? null : ROWS / applyCpu.cpu / (ROWS / importCpu.cpu)

  recordSummary(`bulk: apply (${ROWS} rows) vs accounts import of as many`, `${fmt(rateRatio, 2)} (${fmt(applyRate, 0)}/s vs ${fmt(importRate, 0)}/s)`, '>= 0.50', rateRatio >= 0.5)
  recordSummary('memory: apply to an empty store', `${fmt(rss, 0)} MiB (import ${fmt(importRss, 0)} MiB)`, '<= 100 MiB', rss !== null && rss <= 100)
  recordSummary('apply with nothing to change vs export', `${fmt(againRatio, 2)}x (${fmt(median(again), 0)} ms vs ${fmt(median(exported), 0)} ms)`, '<= 2x', againRatio <= 2)
  printTable(`apply (${label}; ${ACCOUNTS} accounts, ${GROUPS} groups, ${SERVICES} services, ${SERVICES * PERMISSIONS_PER_SERVICE} permission rows = ${ROWS} rows)`, ['figure', 'measured', 'baseline', 'ratio', 'target', ''], [
    ['apply to an empty store, rows/s', fmt(applyRate, 0), `import ${fmt(importRate, 0)}`, fmt(rateRatio, 2), '>= 0.50', rateRatio >= 0.5 ? 'met' : 'NOT met'],
    ['  wall ms (median of 3)', fmt(median(applyMs), 0), `import ${fmt(median(importMs), 0)}`, '', '', ''],
    ['  by CPU time (user + system), rows/CPU-s', fmt(applyCpu.cpu && ROWS / applyCpu.cpu, 0), `import ${fmt(importCpu.cpu && ROWS / importCpu.cpu, 0)}`, fmt(cpuRatio, 2), '>= 0.50', cpuRatio !== null && cpuRatio >= 0.5 ? 'met' : 'NOT met'],
    ['peak memory of that apply, MiB', fmt(rss, 0), `import ${fmt(importRss, 0)}`, '', '<= 100', rss !== null && rss <= 100 ? 'met' : 'NOT met'],
    ['second apply (no changes), ms', fmt(median(again), 0), `export ${fmt(median(exported), 0)}`, fmt(againRatio, 2), '<= 2.00', againRatio <= 2 ? 'met' : 'NOT met'],
  ])
} finally {
  dir.cleanup()
}
