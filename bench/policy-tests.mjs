// accessctl test: 1,000 policy tests on the large store of bench:scale (100,000 accounts, 1,000,000 tokens, 10,000
// services, 1,000 infrastructures, 100,000 permission rows), target at most 2 s wall time for the whole run (start-up
// included); beside it one `auth can-i --as` on the same store, the cost of a single question, and the run with
// --coverage. Sizes as bench:scale (BENCH_ACCOUNTS, BENCH_TOKENS, ...).
import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {loadavg} from 'node:os'
import {join} from 'node:path'

import {cli, fmt, median, medianTime, printTable, recordSummary, tempDir} from './lib.mjs'
import {grow, setUp, SIZES} from './stores.mjs'

const TESTS = Number(process.env.BENCH_POLICY_TESTS ?? 1000)
const RUNS = 5
const TARGET_MS = 2000
const {file, prefix, label} = cli()
const dir = tempDir()

/** Wall time of one run that may end in 0 or 11 (a failing test is still a measured run). */
function timeTest(store, args) {
  const started = process.hrtime.bigint()
  const result = spawnSync(file, [...prefix, ...args], {env: {...process.env, ACCESSCTL_STORE: store}, maxBuffer: 1 << 30})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0 && result.status !== 11) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr.toString().slice(0, 500)}`)
  return {ms, status: result.status, stdout: result.stdout.toString()}
}

try {
  const store = join(dir.path, 'large.db')
  const started = Date.now()
  setUp(store)
  grow(store)
  const buildSeconds = (Date.now() - started) / 1000

  // Questions spread over the store: reads and deploys of services, views of infrastructures, by accounts of
  // every group; half of them are written with the wrong expectation first, then fixed from the answers, so that
  // the measured document passes whole (exit 0), as a CI's would.
  const question = (i) => {
    const service = `service-${(i * 7919) % SIZES.services}`
    const infra = `infra-${(i * 104729) % SIZES.infrastructures}`
    return [`read service/${service}`, `deploy service/${service} --infra ${infra}`, `read infra/${infra}`][i % 3]
  }
  const tests = Array.from({length: TESTS}, (_, i) => ({as: `user${(i * 31) % SIZES.accounts}@example.com`, question: question(i)}))
  const documentOf = (expectations) =>
    `apiVersion: accessctl/v1\ntests:\n${tests.map((test, i) => `  - as: ${test.as}\n    ${expectations[i]}: ${test.question}\n`).join('')}`
  const path = join(dir.path, 'tests.yaml')
  writeFileSync(path, documentOf(tests.map(() => 'can')))
  const first = JSON.parse(timeTest(store, ['test', '-f', path, '--json']).stdout)
  writeFileSync(path, documentOf(first.tests.map((test) => (test.passed ? 'can' : 'cannot'))))
  const allowed = first.tests.filter((test) => test.passed).length

  timeTest(store, ['test', '-f', path])
  const runs = []
  for (let i = 0; i < RUNS; i++) {
    const run = timeTest(store, ['test', '-f', path])
    if (run.status !== 0) throw new Error(`the fixed document failed: ${run.stdout.slice(-500)}`)
    runs.push(run.ms)
  }

  const oneQuestion = medianTime(file, [...prefix, 'auth', 'can-i', 'read', 'service/service-1', '--as', 'user1@example.com'], {runs: RUNS, env: {ACCESSCTL_STORE: store}})
  const withCoverage = median(Array.from({length: 3}, () => timeTest(store, ['test', '-f', path, '--coverage', '--json']).ms))
  const ms = median(runs)
  const load = loadavg().map((l) => l.toFixed(1)).join(' ')
  printTable(
    `policy tests (${label}; large store: ${Object.entries(SIZES).map(([k, v]) => `${v} ${k}`).join(', ')}; built in ${fmt(buildSeconds, 1)}s; median of ${RUNS}; load average ${load})`,
    ['run', 'ms', 'target'],
    [
      [`accessctl test, ${TESTS} tests (${allowed} can, ${TESTS - allowed} cannot)`, fmt(ms, 0), `<= ${TARGET_MS}`],
      ['auth can-i --as, one question (start-up included)', fmt(oneQuestion, 0), ''],
      [`accessctl test --coverage, ${TESTS} tests (${SIZES.permissions} permission rows listed)`, fmt(withCoverage, 0), ''],
    ],
  )
  recordSummary(`accessctl test, ${TESTS} tests on the large store`, `${fmt(ms, 0)} ms`, `<= ${TARGET_MS} ms`, ms <= TARGET_MS)
} finally {
  dir.cleanup()
}
