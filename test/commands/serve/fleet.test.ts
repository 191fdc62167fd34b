import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, type TempDir, tempDir} from '../../helpers/cli.js'
import {findProgram} from '../../helpers/gateway.js'

/**
 * A fleet behind a real gateway, on loopback: bench/fleet.mjs (the benchmark of `npm run bench:fleet`) run short.
 * Three serve processes over their own copies of the store behind nginx's upstream (docs/serve.md's blocks), a
 * `store backup` snapshot shipped to each copy by rename every second, requests through nginx all along, and
 * `tokens revoke` / `service keys delete` / `deployment disable` on the primary timed until every node refuses. This
 * test reads the benchmark's JSON report: what it counted at the gateway, in each node's access log, and per trial.
 * CI installs nginx (.ci/run), so there this test fails rather than skips without it.
 */

const NGINX = findProgram('nginx', ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'], 'apt-get install -y nginx-light')
const SECONDS = 15
const TRIALS = 2
const INTERVAL_MS = 1000
const RATE = 200
/** Generous for a loaded CI machine; the benchmark's target is the interval plus 0.5 s. */
const TRIAL_LIMIT_MS = INTERVAL_MS + 2000
/** The benchmark stops itself well before this (its own deadline); this only bounds a hung run. */
const RUN_LIMIT_MS = 240_000

interface Summary {
  n: number
  p50: number | null
  p99: number | null
  max: number | null
}

interface FleetReport {
  nodes: number
  intervalMs: number
  seconds: number
  load: {requests: number; admitted: number; refused: number; failed: number; failures: string[]; perNode: number[]}
  ships: {count: number; failed: number; errors: string[]; ms: Summary}
  trials: Record<string, number[]>
  trialFailures: string[]
  lag: Record<string, Summary>
  loadavg: {before: string; after: string}
}

describe.skipIf(!NGINX)('a fleet of three serve nodes behind nginx, fed by shipped snapshots', () => {
  let dir: TempDir
  let bench: ChildProcess
  let output = ''
  let exitCode: number | null = null
  let report: FleetReport

  beforeAll(async () => {
    dir = tempDir('accessctl-fleet-test-')
    const reportPath = join(dir.path, 'report.json')
    // Its own process group, so that afterAll can stop it and everything it started even if it hangs.
    bench = spawn(process.execPath, [join(PROJECT_ROOT, 'bench', 'fleet.mjs')], {
      cwd: PROJECT_ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        BENCH_FLEET_SECONDS: String(SECONDS),
        BENCH_FLEET_TRIALS: String(TRIALS),
        BENCH_FLEET_INTERVAL_MS: String(INTERVAL_MS),
        BENCH_FLEET_RATE: String(RATE),
        BENCH_FLEET_REPORT: reportPath,
        // The executable's suite (npm run test:binary) runs the fleet on the executable.
        ...(process.env.ACCESSCTL_TEST_BIN ? {BENCH_BIN: process.env.ACCESSCTL_TEST_BIN} : {}),
      },
    })
    bench.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    bench.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    exitCode = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench/fleet.mjs ran over ${RUN_LIMIT_MS} ms:\n${output}`)), RUN_LIMIT_MS)
      bench.once('exit', (code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
    // The figures, in the test's output: taken under whatever load the machine had (the report says which).
    console.log(output)
    if (!existsSync(reportPath)) throw new Error(`bench/fleet.mjs exited ${exitCode} without a report:\n${output}`)
    report = JSON.parse(readFileSync(reportPath, 'utf8')) as FleetReport
  }, RUN_LIMIT_MS + 30_000)

  afterAll(async () => {
    if (bench && bench.exitCode === null && bench.signalCode === null) {
      const exited = new Promise((resolve) => bench.once('exit', resolve))
      // The benchmark stops its nodes and nginx on SIGTERM; SIGKILL to the group if it does not within 15 s.
      process.kill(-bench.pid!, 'SIGTERM')
      const killer = setTimeout(() => process.kill(-bench.pid!, 'SIGKILL'), 15_000)
      await exited
      clearTimeout(killer)
    }

    dir?.cleanup()
  }, 30_000)

  it('no request through nginx failed while snapshots were renamed under the nodes, and each node took its share', () => {
    expect(report.load.failures).toEqual([])
    expect(report.load.failed).toBe(0)
    // Paced at RATE: at least half of it even on a loaded machine, half admitted (200) and half refused (401).
    expect(report.load.requests).toBeGreaterThanOrEqual((RATE * SECONDS) / 2)
    expect(report.load.admitted + report.load.refused).toBe(report.load.requests)
    expect(Math.abs(report.load.admitted - report.load.refused)).toBeLessThanOrEqual(4)
    // Round robin: every node's access log has about a third of nginx's auth subrequests.
    expect(report.load.perNode).toHaveLength(3)
    const subrequests = report.load.perNode.reduce((sum, count) => sum + count, 0)
    expect(subrequests).toBeGreaterThanOrEqual(report.load.requests)
    for (const count of report.load.perNode) expect(count).toBeGreaterThan(subrequests / 3 / 2)
  })

  it('a snapshot was shipped about every second, none failed', () => {
    expect(report.ships.errors).toEqual([])
    expect(report.ships.failed).toBe(0)
    // Once before the nodes start, then every interval or right after a slower snapshot.
    expect(report.ships.count).toBeGreaterThanOrEqual(SECONDS / 3)
  })

  it('each change on the primary was refused on every node within the ship interval plus 2 s', () => {
    expect(report.trialFailures).toEqual([])
    expect(Object.keys(report.trials).sort()).toEqual(['deployment disable', 'service keys delete', 'tokens revoke'])
    for (const [change, times] of Object.entries(report.trials)) {
      expect(times, change).toHaveLength(TRIALS)
      for (const ms of times) {
        expect(ms, change).toBeGreaterThan(0)
        expect(ms, change).toBeLessThan(TRIAL_LIMIT_MS)
      }
    }

    expect(report.loadavg.after).toMatch(/^\d+\.\d+ \d+\.\d+ \d+\.\d+ /)
    expect(exitCode).toBe(0)
  })
})
