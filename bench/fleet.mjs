// bench:fleet: a fleet behind a real gateway, simulated on loopback. Three `accessctl serve` processes, each over its
// own copy of the store, behind nginx's `upstream` (round robin; docs/serve.md's nginx block with the upstream of its
// "Fleet" section), while a loop ships a `store backup` snapshot of the primary store to each copy by rename every
// second (docs/serve.md's shipping loop), and requests go through nginx all along. It measures:
//   - failed requests through nginx over the whole run (target: none), and how the nodes shared them;
//   - the time from `tokens revoke` / `service keys delete` / `deployment disable` on the primary (from the
//     command's exit) until every node refuses, p50 and p99 over BENCH_FLEET_TRIALS trials of each (target: the ship
//     interval plus 0.5 s).
// test/commands/serve/fleet.test.ts runs it short and reads its report. Everything listens on 127.0.0.1 on free
// ports, every wait is bounded, and it stops what it started (also on SIGTERM or SIGINT, and at a hard deadline).
//
// Settings (environment): BENCH_FLEET_SECONDS (least time requests go through nginx, default 60), BENCH_FLEET_TRIALS
// (trials of each change, default 20), BENCH_FLEET_INTERVAL_MS (ship interval, default 1000), BENCH_FLEET_RATE
// (requests per second through nginx, default 400), BENCH_FLEET_REPORT (a file to write the report to, as JSON).
import {spawn, spawnSync} from 'node:child_process'
import {chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync} from 'node:fs'
import {copyFile, rename, rm} from 'node:fs/promises'
import {Agent, createServer, request} from 'node:http'
import {createServer as createTcpServer} from 'node:net'
import {join} from 'node:path'
import {monitorEventLoopDelay} from 'node:perf_hooks'
import {clearTimeout} from 'node:timers'

import {cli, fmt, printTable, recordSummary, ROOT, tempDir} from './lib.mjs'

const SECONDS = Number(process.env.BENCH_FLEET_SECONDS ?? 60)
const TRIALS = Number(process.env.BENCH_FLEET_TRIALS ?? 20)
const INTERVAL_MS = Number(process.env.BENCH_FLEET_INTERVAL_MS ?? 1000)
const RATE = Number(process.env.BENCH_FLEET_RATE ?? 400)
const REPORT = process.env.BENCH_FLEET_REPORT
const NODES = 3
/** Connections through nginx that share RATE. */
const CONNECTIONS = 4
/** A node that has not refused this long after the change fails the trial (and the run). */
const TRIAL_TIMEOUT_MS = 15_000
const TARGET_MS = INTERVAL_MS + 500
const {file, prefix, label} = cli()

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim()

/** Runs the CLI on `store` without blocking the event loop (the load and the polls go on meanwhile). */
function accessctl(args, store, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...prefix, ...args], {env: {...process.env, ACCESSCTL_STORE: store, NO_COLOR: '1'}, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`accessctl ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}`))))
    child.stdin.end(input ?? '')
  })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address()
      probe.close(() => resolve(port))
    })
  })
}

/** One HTTP request on loopback; resolves with the status, rejects on a connection error or after `waitMs`. */
function httpStatus(port, path, headers, agent, waitMs = 5000) {
  return new Promise((resolve, reject) => {
    const req = request({host: '127.0.0.1', port, path, headers, agent, timeout: waitMs}, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode))
      response.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer within ${waitMs / 1000} s`)))
    req.on('error', reject)
    req.end()
  })
}

/** Where the recipes this benchmark runs are documented. */
const SERVE_PAGE = 'docs/serve.md'

/** The body of the first ```LANGUAGE block under the heading `heading` of docs/serve.md (up to the next heading). */
function docsBlock(heading, language) {
  const lines = readFileSync(join(ROOT, SERVE_PAGE), 'utf8').split('\n')
  const start = lines.findIndex((line) => line.startsWith('#') && line.replace(/^#+\s*/, '') === heading)
  if (start === -1) throw new Error(`${SERVE_PAGE} has no heading "${heading}"`)
  const rest = lines.slice(start + 1)
  const end = rest.findIndex((line) => /^#{1,3} /.test(line))
  const section = (end === -1 ? rest : rest.slice(0, end)).join('\n')
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section)?.[1]
  if (!block) throw new Error(`${SERVE_PAGE} has no \`\`\`${language} block under "${heading}"`)
  return block
}

function replaceOnce(text, what, from, to) {
  if (!text.includes(from)) throw new Error(`${SERVE_PAGE}'s ${what} no longer has '${from}'`)
  return text.replace(from, to)
}

/** docs/serve.md's nginx block with its upstream accessctl replaced by the Fleet section's, on this run's ports. */
function fleetNginxConfig(dir, ports) {
  let fleet = docsBlock('Fleet: several serve nodes behind one gateway', 'nginx')
  for (const [index, port] of ports.nodes.entries()) fleet = replaceOnce(fleet, 'fleet upstream', `server 127.0.0.1:${8181 + index};`, `server 127.0.0.1:${port};`)
  let site = docsBlock('nginx `auth_request`', 'nginx')
  const upstream = /upstream accessctl \{[^}]*\}\n/.exec(site)?.[0]
  if (!upstream) throw new Error("docs/serve.md's nginx block has no upstream accessctl")
  site = site.replace(upstream, fleet)
  site = replaceOnce(site, 'nginx block', 'server 127.0.0.1:9000;', `server 127.0.0.1:${ports.api};`)
  site = replaceOnce(site, 'nginx block', 'listen 8080;', `listen 127.0.0.1:${ports.nginx};`)
  return (
    `worker_processes 1;\npid ${dir}/nginx.pid;\nerror_log ${dir}/nginx-error.log warn;\nevents { worker_connections 1024; }\n` +
    `http {\n  access_log off;\n` +
    ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((temp) => `  ${temp}_temp_path ${dir}/${temp}-temp;\n`).join('') +
    `${site}}\n`
  )
}

function findNginx() {
  const find = () => ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((path) => existsSync(path))
  if (!find() && process.getuid?.() === 0) {
    console.error('bench:fleet: installing nginx (apt-get install -y nginx-light)')
    spawnSync('apt-get', ['install', '-y', 'nginx-light'], {stdio: 'inherit'})
  }

  const nginx = find()
  if (!nginx) throw new Error('bench:fleet needs nginx with auth_request: apt-get install -y nginx-light')
  return nginx
}

/** Nearest-rank percentile (p99 of 20 values is the largest). */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]
}

const summary = (values) => ({n: values.length, p50: percentile(values, 0.5), p99: percentile(values, 0.99), max: percentile(values, 1)})

// Everything started, so that one place stops it whatever happens.
const running = {children: [], servers: [], agents: [], dir: undefined}
let cleaned = false
async function cleanUp() {
  if (cleaned) return
  cleaned = true
  for (const agent of running.agents) agent.destroy()
  await Promise.all(
    running.children.map(
      ({child, signal}) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve()
          const killer = setTimeout(() => child.kill('SIGKILL'), 8000)
          child.once('exit', () => {
            clearTimeout(killer)
            resolve()
          })
          child.kill(signal)
        }),
    ),
  )
  for (const server of running.servers) server.close()
  running.dir?.cleanup()
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    console.error(`bench:fleet: ${signal}, stopping`)
    void cleanUp().then(() => process.exit(1))
  })
}

/** Starts `accessctl serve` over one node's copy, its access log (JSON lines) to a file, and waits until it is ready. */
async function startNode(index, store, dir) {
  const port = await freePort()
  const logPath = join(dir, `node-${index + 1}.log`)
  const log = openSync(logPath, 'w')
  const child = spawn(file, [...prefix, 'serve', '--listen', `127.0.0.1:${port}`, '--store', store], {stdio: ['ignore', 'ignore', log]})
  closeSync(log)
  running.children.push({child, signal: 'SIGTERM'})
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`serve node ${index + 1} exited ${child.exitCode}:\n${readFileSync(logPath, 'utf8')}`)
    if ((await httpStatus(port, '/readyz', {}).catch(() => 0)) === 200) return {port, logPath}
    await sleep(100)
  }

  throw new Error(`serve node ${index + 1} was not ready within 30 s:\n${readFileSync(logPath, 'utf8')}`)
}

async function main() {
  const nginxPath = findNginx()
  const dir = tempDir('accessctl-fleet-')
  running.dir = dir
  // nginx's workers run as nobody: they read its configuration under dir.
  chmodSync(dir.path, 0o755)
  const primary = join(dir.path, 'primary.db')
  const loadBefore = loadavg()
  console.log(`bench:fleet (${label}): ${NODES} serve nodes behind nginx, a snapshot shipped every ${INTERVAL_MS} ms, ${RATE} requests/s through nginx`)
  console.log(`cat /proc/loadavg (before): ${loadBefore}`)

  // The primary store: a client group whose account alice may see the deployments; churn-on-prod (docs/serve.md's nginx
  // locations), and one deployment per `deployment disable` trial.
  const trialDeployments = Array.from({length: TRIALS}, (_, i) => `churn-on-trial-${i}`)
  const document = [
    'apiVersion: accessctl/v1',
    'groups: [{name: clients}]',
    'accounts: [{name: alice, groups: [clients]}]',
    'services: [{id: churn, public: false, versions: ["1.0"], permissions: {clients: [read]}}]',
    'infrastructures:',
    '  - {id: prod, stage: Production, permissions: {clients: [view]}}',
    ...trialDeployments.map((_, i) => `  - {id: trial-${i}, stage: Test, permissions: {clients: [view]}}`),
    'deployments:',
    '  - {service: churn, infrastructure: prod, version: "1.0"}',
    ...trialDeployments.map((_, i) => `  - {service: churn, infrastructure: trial-${i}, version: "1.0"}`),
  ].join('\n')
  await accessctl(['apply', '-f', '-'], primary, `${document}\n`)
  const loadKey = JSON.parse(await accessctl(['service', 'keys', 'create', 'churn', '--label', 'load', '--json'], primary)).key
  const keys = []
  const tokens = []
  for (let i = 0; i < TRIALS; i++) {
    keys.push(JSON.parse(await accessctl(['service', 'keys', 'create', 'churn', '--label', `trial-${i}`, '--json'], primary)))
    tokens.push(JSON.parse(await accessctl(['tokens', 'create', '-i', 'alice', '-f', 'consume', '-r', 'deployments', '-e', 'churn-on-prod', '--json'], primary)))
  }

  // Shipping: docs/serve.md's loop. One snapshot, copied beside each node's served file and renamed over it.
  const snapshot = join(dir.path, 'ship.db')
  const nodeStores = Array.from({length: NODES}, (_, i) => {
    mkdirSync(join(dir.path, `node-${i + 1}`))
    return join(dir.path, `node-${i + 1}`, 'store.db')
  })
  const ships = {ms: [], failed: 0, errors: []}
  const shipOnce = async () => {
    const started = performance.now()
    try {
      await rm(snapshot, {force: true})
      await accessctl(['store', 'backup', snapshot], primary)
      for (const store of nodeStores) {
        await copyFile(snapshot, `${store}.incoming`)
        await rename(`${store}.incoming`, store)
      }

      ships.ms.push(performance.now() - started)
    } catch (error) {
      ships.failed++
      if (ships.errors.length < 5) ships.errors.push(String(error.message ?? error))
    }
  }

  await shipOnce()
  if (ships.failed) throw new Error(`the first snapshot could not be shipped: ${ships.errors[0]}`)
  const nodes = []
  for (const [index, store] of nodeStores.entries()) nodes.push(await startNode(index, store, dir.path))

  // The API behind nginx: answers 200 to whatever nginx lets through.
  const api = createServer((_request, response) => response.end('{"ok":true}'))
  running.servers.push(api)
  await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve))
  const ports = {nodes: nodes.map((node) => node.port), api: api.address().port, nginx: await freePort()}
  writeFileSync(join(dir.path, 'nginx.conf'), fleetNginxConfig(dir.path, ports))
  const nginx = spawn(nginxPath, ['-p', dir.path, '-c', 'nginx.conf', '-e', join(dir.path, 'nginx-error.log'), '-g', 'daemon off;'], {stdio: 'ignore'})
  running.children.push({child: nginx, signal: 'SIGQUIT'})
  for (let i = 0; ; i++) {
    if ((await httpStatus(ports.nginx, '/churn/prod/up', {'x-api-key': loadKey}).catch(() => 0)) === 200) break
    if (i === 150 || nginx.exitCode !== null) throw new Error(`nginx did not answer:\n${existsSync(join(dir.path, 'nginx-error.log')) ? readFileSync(join(dir.path, 'nginx-error.log'), 'utf8') : ''}`)
    await sleep(100)
  }

  // From here on: the ship loop, the load through nginx, and the trials, all at once.
  let stopping = false
  const shipLoop = (async () => {
    while (!stopping) {
      // As docs/serve.md's loop: a new snapshot every interval, or right after the last one if it took longer.
      const interval = sleep(INTERVAL_MS)
      await shipOnce()
      await interval
    }
  })()

  const load = {requests: 0, admitted: 0, refused: 0, failed: 0, failures: []}
  const latencies = []
  // This process's own stalls: a request it sees late may have been answered in time.
  const ownDelay = monitorEventLoopDelay({resolution: 10})
  ownDelay.enable()
  const loadAgent = new Agent({keepAlive: true, maxSockets: CONNECTIONS})
  running.agents.push(loadAgent)
  const loadStarted = performance.now()
  const loadLoops = Array.from({length: CONNECTIONS}, async (_, connection) => {
    // Each connection keeps its share of RATE: request n leaves at n / share seconds, or as soon as it can.
    const share = RATE / CONNECTIONS
    for (let n = 0; !stopping; n++) {
      const due = loadStarted + (n * 1000) / share + (connection * 1000) / RATE
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      // Half with the load key (admitted, 200), half with no credential (refused, 401).
      const admitted = (n + connection) % 2 === 0
      const expected = admitted ? 200 : 401
      let outcome
      const sent = performance.now()
      try {
        // A client's patience (nginx's own upstream timeouts are 60 s): on a loaded machine an answer may take seconds,
        // which the latencies show; only an error or no answer at all is a failed request.
        outcome = await httpStatus(ports.nginx, `/churn/prod/predict?n=${n}`, admitted ? {'x-api-key': loadKey} : {}, loadAgent, 30_000)
        latencies.push(performance.now() - sent)
      } catch (error) {
        outcome = `error: ${error.message}`
      }

      load.requests++
      if (outcome === expected) load[admitted ? 'admitted' : 'refused']++
      else {
        load.failed++
        if (load.failures.length < 10) load.failures.push(`at ${fmt((sent - loadStarted) / 1000)} s: expected ${expected}, got ${outcome}`)
      }
    }
  })

  // Trials: the three changes in turn, each at a random point of the ship cycle.
  const pollAgent = new Agent({keepAlive: true, maxSockets: NODES * 2})
  running.agents.push(pollAgent)
  const trials = {'tokens revoke': [], 'service keys delete': [], 'deployment disable': []}
  const trialFailures = []
  const kinds = [
    {
      name: 'tokens revoke',
      ask: (i) => ({path: '/v1/deployments/churn-on-prod/authorize', headers: {authorization: `Bearer ${tokens[i].token}`}, refusal: 401}),
      change: (i) => ['tokens', 'revoke', tokens[i].jti, '--yes'],
    },
    {
      name: 'service keys delete',
      ask: (i) => ({path: '/v1/deployments/churn-on-prod/authorize', headers: {'x-api-key': keys[i].key}, refusal: 401}),
      change: (i) => ['service', 'keys', 'delete', 'churn', keys[i].id, '--yes'],
    },
    {
      name: 'deployment disable',
      ask: (i) => ({path: `/v1/deployments/${trialDeployments[i]}/authorize`, headers: {'x-api-key': loadKey}, refusal: 403}),
      change: (i) => ['deployment', 'disable', trialDeployments[i]],
    },
  ]
  const runTrial = async (kind, i) => {
    const {path, headers, refusal} = kind.ask(i)
    // Every node admits before the change: the refusal measured is the change's, not a lagging copy's.
    const before = await Promise.all(nodes.map((node) => httpStatus(node.port, path, headers, pollAgent).catch((error) => error.message)))
    if (before.some((status) => status !== 200)) throw new Error(`${kind.name} #${i}: before the change the nodes answered ${before.join(', ')}`)
    await sleep(Math.random() * INTERVAL_MS)
    await accessctl(kind.change(i), primary)
    const changed = performance.now()
    const refusedAfter = await Promise.all(
      nodes.map(async (node) => {
        for (;;) {
          const status = await httpStatus(node.port, path, headers, pollAgent).catch((error) => error.message)
          const now = performance.now()
          if (status === refusal) return now - changed
          if (status !== 200) throw new Error(`${kind.name} #${i}: node ${node.port} answered ${status}`)
          if (now - changed > TRIAL_TIMEOUT_MS) throw new Error(`${kind.name} #${i}: node ${node.port} still admitted ${TRIAL_TIMEOUT_MS} ms after the change`)
          await sleep(10)
        }
      }),
    )
    trials[kind.name].push(Math.max(...refusedAfter))
  }

  for (let i = 0; i < TRIALS; i++) {
    for (const kind of kinds) {
      try {
        await runTrial(kind, i)
      } catch (error) {
        trialFailures.push(error.message)
      }
    }
  }

  const remaining = SECONDS * 1000 - (performance.now() - loadStarted)
  if (remaining > 0) await sleep(remaining)
  stopping = true
  await Promise.all(loadLoops)
  await shipLoop
  const loadSeconds = (performance.now() - loadStarted) / 1000
  ownDelay.disable()
  const loadAfter = loadavg()

  // How nginx spread its auth subrequests (route /v1/authorize; the trials' polls use /v1/deployments/...): from each
  // node's own access log.
  const subrequests = nodes.map((node) =>
    readFileSync(node.logPath, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"route":"/v1/authorize"'))
      .map((line) => JSON.parse(line)),
  )
  const perNode = subrequests.map((lines) => lines.length)
  const nginxLog = join(dir.path, 'nginx-error.log')
  const nginxErrors = existsSync(nginxLog) ? readFileSync(nginxLog, 'utf8').trim().split('\n').filter(Boolean) : []

  const lagAll = Object.values(trials).flat()
  const report = {
    command: label,
    nodes: NODES,
    intervalMs: INTERVAL_MS,
    targetMs: TARGET_MS,
    rate: RATE,
    seconds: Math.round(loadSeconds * 10) / 10,
    load: {...load, perNode, ms: summary(latencies)},
    // Where time went when a request was slow: the slowest answer each node logged itself, nginx's complaints, and
    // this process's longest stall.
    slowestNodeAnswerMs: subrequests.map((lines) => Math.max(0, ...lines.map((line) => line.ms))),
    nginxErrors: {count: nginxErrors.length, first: nginxErrors.slice(0, 5)},
    benchStallMs: ownDelay.max / 1e6,
    ships: {count: ships.ms.length, failed: ships.failed, errors: ships.errors, ms: summary(ships.ms)},
    trials,
    trialFailures,
    lag: {all: summary(lagAll), ...Object.fromEntries(Object.entries(trials).map(([name, values]) => [name, summary(values)]))},
    loadavg: {before: loadBefore, after: loadAfter},
  }
  if (REPORT) writeFileSync(REPORT, `${JSON.stringify(report, null, 2)}\n`)

  printTable(
    `through nginx: ${load.requests} requests in ${fmt(loadSeconds)} s, ${load.failed} failed, ` +
      `p50 ${fmt(report.load.ms.p50)} ms, p99 ${fmt(report.load.ms.p99)} ms, max ${fmt(report.load.ms.max, 0)} ms; auth subrequests per node ${perNode.join(' / ')}\n` +
      `${ships.ms.length} snapshots shipped (${ships.failed} failed), p50 ${fmt(percentile(ships.ms, 0.5), 0)} ms each; ` +
      `slowest answer logged by a node ${report.slowestNodeAnswerMs.map((ms) => fmt(ms, 0)).join(' / ')} ms; ` +
      `nginx errors ${nginxErrors.length}; this process's longest stall ${fmt(report.benchStallMs, 0)} ms`,
    ['change on the primary', 'trials', 'p50 ms', 'p99 ms', 'max ms', `target ${TARGET_MS} ms`],
    [...Object.entries(trials), ['all', lagAll]].map(([name, values]) => {
      const {n, p50, p99, max} = summary(values)
      return [name, n, fmt(p50, 0), fmt(p99, 0), fmt(max, 0), p99 !== null && p99 <= TARGET_MS ? 'met' : 'NOT met']
    }),
  )
  for (const failure of [...trialFailures, ...load.failures, ...ships.errors, ...report.nginxErrors.first]) console.log(`  ${failure}`)
  console.log(`cat /proc/loadavg (after): ${loadAfter}`)
  const lagP99 = report.lag.all.p99
  recordSummary('fleet: failed requests through nginx while snapshots ship', `${load.failed} of ${load.requests}`, 'none', load.failed === 0)
  recordSummary(
    'fleet: change on the primary to refusal on every node, p99',
    `${fmt(lagP99, 0)} ms (p50 ${fmt(report.lag.all.p50, 0)}, ${lagAll.length} trials, load ${loadAfter.split(' ').slice(0, 3).join(' ')})`,
    `<= ${TARGET_MS} ms`,
    lagP99 !== null && lagP99 <= TARGET_MS && trialFailures.length === 0,
  )
  return load.failed === 0 && ships.failed === 0 && trialFailures.length === 0
}

// A hard deadline: set-up, the trials (each bounded) and the load's least duration, with room to spare.
const deadline = setTimeout(
  () => {
    console.error('bench:fleet: past its deadline, stopping')
    void cleanUp().then(() => process.exit(1))
  },
  180_000 + SECONDS * 1000 + TRIALS * 3 * (INTERVAL_MS + TRIAL_TIMEOUT_MS + 5000),
)

let ok = false
try {
  ok = await main()
} catch (error) {
  console.error(`bench:fleet: ${error.stack ?? error}`)
} finally {
  clearTimeout(deadline)
  await cleanUp()
}

process.exit(ok ? 0 : 1)
