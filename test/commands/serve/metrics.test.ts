import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, type TempDir, tempDir} from '../../helpers/cli.js'
import {findProgram} from '../../helpers/gateway.js'
import {type RunningServe, startServe} from '../../helpers/serve.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * serve's /metrics as Prometheus itself reads it: Debian's promtool (package prometheus) checks the real output of a
 * real serve, taken after traffic to every endpoint so that every series exists; and docs/serve.md lists exactly the
 * metric families served. CI installs promtool (.ci/run), so there this test fails rather than skips without it.
 */

const PROMTOOL = findProgram('promtool', ['/usr/bin/promtool', '/usr/local/bin/promtool'], 'apt-get install -y prometheus')

/**
 * The metric names of docs/serve.md's **Metrics.** paragraph: those before "Not served" are the families /metrics
 * serves, those after are the ones it no longer does.
 */
function readmeMetricNames(): {served: string[]; notServed: string[]} {
  const page = readFileSync(join(PROJECT_ROOT, 'docs', 'serve.md'), 'utf8')
  const paragraph = /^\*\*Metrics\.\*\*[\s\S]*?(?=\n\n)/m.exec(page)?.[0]
  if (!paragraph) throw new Error('docs/serve.md has no **Metrics.** paragraph')
  const names = (text: string) => [...text.matchAll(/`(accessctl_[a-z0-9_]+)/g)].map((match) => match[1])
  const [served, notServed = ''] = paragraph.split('Not served')
  return {served: names(served), notServed: names(notServed)}
}

describe.skipIf(!PROMTOOL).each([
  {serving: 'a single process', flags: [] as string[]},
  {serving: '--workers 2 (every worker aggregated by the primary)', flags: ['--workers', '2']},
])('GET /metrics of $serving passes promtool check metrics', ({flags}) => {
  let dir: TempDir
  let fixture: ServeFixture
  let serve: RunningServe
  let exposition: string

  beforeAll(async () => {
    dir = tempDir('accessctl-metrics-')
    fixture = await buildServeFixture(dir.storePath)
    serve = await startServe(['--quiet', ...flags], {store: dir.storePath})
    // With workers, the port is bound by the first one to listen: /readyz says when every worker is.
    for (let waited = 0; (await fetch(`${serve.url}/readyz`)).status !== 200; waited += 100) {
      if (waited > 20_000) throw new Error('serve never became ready')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }

    // Traffic to every endpoint, with every kind of answer, so the labelled series exist when /metrics is read.
    const authorize = (deployment: string, headers: Record<string, string> = {}) =>
      fetch(`${serve.url}/v1/deployments/${deployment}/authorize`, {headers}).then((response) => response.status)
    const post = (path: string, body: unknown) =>
      fetch(`${serve.url}${path}`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify(body)}).then((response) => response.status)
    const get = (path: string) => fetch(`${serve.url}${path}`).then((response) => response.status)
    const statuses = [
      await authorize(DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key}),
      await authorize(DEPLOYMENTS.inherit),
      await authorize(DEPLOYMENTS.disabled, {'x-api-key': fixture.serviceKey.key}),
      await authorize('no-such-deployment'),
      await post('/v1/tokens/verify', {token: fixture.consumeToken}),
      await post('/v1/tokens/verify', {token: 'not.a.token'}),
      await post('/v1/tokens/check', {token: fixture.consumeToken, function: 'consume', resource: 'deployments', entity: DEPLOYMENTS.inherit}),
      await post('/v1/tokens/check', {token: fixture.getToken, function: 'consume', resource: 'deployments', entity: DEPLOYMENTS.inherit}),
      await get('/.well-known/jwks.json'),
      await get('/healthz'),
      await get('/readyz'),
      await get('/no-such-endpoint'),
    ]
    expect(statuses).toEqual([200, 401, 403, 404, 200, 200, 200, 200, 200, 200, 200, 404])
    // A scrape first, so that /metrics itself has its series in the one that is checked.
    await get('/metrics')
    exposition = await (await fetch(`${serve.url}/metrics`)).text()
  }, 180_000)

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) expect((await serve.stop()).code).toBe(0)
    dir?.cleanup()
  })

  it('promtool finds no problem in the output, which holds the decisions of the traffic', () => {
    const checked = spawnSync(PROMTOOL!, ['check', 'metrics'], {input: exposition, encoding: 'utf8', timeout: 30_000})
    expect({status: checked.status, stdout: checked.stdout, stderr: checked.stderr}).toEqual({status: 0, stdout: '', stderr: ''})
    for (const outcome of ['admitted', 'unauthenticated', 'forbidden', 'not_found']) {
      expect(exposition).toContain(`accessctl_decisions_total{endpoint="authorize",outcome="${outcome}"} 1`)
    }

    expect(exposition).toContain('accessctl_decisions_total{endpoint="verify",outcome="valid"} 1')
    expect(exposition).toContain('accessctl_decisions_total{endpoint="check",outcome="denied"} 1')
    expect(exposition).toMatch(/^accessctl_http_request_duration_seconds_count\{endpoint="metrics",status="200"\} 1$/m)
  })

  it('promtool does refuse a gauge named _total, so the check above has teeth', () => {
    const bad = '# HELP accessctl_example_total An example.\n# TYPE accessctl_example_total gauge\naccessctl_example_total 1\n'
    const checked = spawnSync(PROMTOOL!, ['check', 'metrics'], {input: bad, encoding: 'utf8', timeout: 30_000})
    expect(checked.status).not.toBe(0)
    expect(checked.stdout + checked.stderr).toContain('non-counter metrics should not have "_total" suffix')
  })

  it('docs/serve.md lists exactly the metric families served, and none of those it says are gone', () => {
    const families = [...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => ({name: match[1], type: match[2]}))
    const {served, notServed} = readmeMetricNames()
    expect([...served].sort()).toEqual(families.map((family) => family.name).sort())
    expect(notServed.sort()).toEqual(['accessctl_nodejs_active_handles_total', 'accessctl_nodejs_active_requests_total', 'accessctl_nodejs_active_resources_total'])
    for (const name of notServed) expect(exposition).not.toContain(name)
    // What promtool checks, seen directly: only counters end in _total.
    expect(families.filter((family) => family.name.endsWith('_total') && family.type !== 'counter')).toEqual([])
  })
})
