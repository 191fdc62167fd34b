import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {awaitLogLine, rawHeader, rawJson, type RunningServe, scrapeMetrics, startServe} from '../../helpers/serve.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * Ambiguous or empty credentials are refused, whatever their order (issue 17, item 5): a credential header sent more
 * than once (in any case of its name), X-API-Key and Authorization together, an empty or blank one, or Bearer with no
 * value is a 401 `invalid_request`, never a fall-back to one of the values. Requests go as raw bytes, since fetch
 * joins repeated headers before they leave.
 */

let dir: TempDir
let fixture: ServeFixture
let server: RunningServe
/** A deployment of a public service: it admits a client with no credential at all. */
const PUBLIC = 'open-on-prod'

beforeAll(async () => {
  dir = tempDir()
  fixture = await buildServeFixture(dir.storePath)
  for (const args of [['service', 'create', 'open', '--public'], ['service', 'versions', 'add', 'open', '1.0'], ['deployment', 'create', '--service', 'open', '--infra', 'prod']]) {
    const result = await runCli(args, {store: dir.storePath})
    if (result.code !== 0) throw new Error(`${args.join(' ')}: ${result.stderr}`)
  }

  server = await startServe([], {store: dir.storePath})
}, 120_000)

afterAll(async () => {
  if (server.child.exitCode === null) await server.stop()
  dir.cleanup()
})

/** Every way of asking forward authentication for churn-on-prod: by path, by header, and Envoy's appended paths. */
const TARGETS: Array<{name: string; method: string; path: string; extra: string[]}> = [
  {name: 'GET /v1/deployments/{id}/authorize', method: 'GET', path: `/v1/deployments/${DEPLOYMENTS.inherit}/authorize`, extra: []},
  {name: 'PUT /v1/deployments/{id}/authorize/*', method: 'PUT', path: `/v1/deployments/${DEPLOYMENTS.inherit}/authorize/orders/1`, extra: []},
  {name: 'GET /v1/authorize', method: 'GET', path: '/v1/authorize', extra: [`X-Accessctl-Deployment: ${DEPLOYMENTS.inherit}`]},
  {name: 'DELETE /v1/authorize/*', method: 'DELETE', path: '/v1/authorize/orders/1', extra: [`X-Accessctl-Deployment: ${DEPLOYMENTS.inherit}`]},
]

function ask(target: (typeof TARGETS)[number], headerLines: string[]) {
  const head = [`${target.method} ${target.path} HTTP/1.1`, 'Host: accessctl', 'Connection: close', ...target.extra, ...headerLines]
  return rawJson(server.url, `${head.join('\r\n')}\r\n\r\n`)
}

describe('one credential, once, with a value', () => {
  it('a single good credential is admitted in every form and any case of the header name (the control)', async () => {
    const good = fixture.serviceKey.key
    for (const target of TARGETS) {
      for (const line of [`X-API-Key: ${good}`, `x-Api-kEY: ${good}`, `Authorization: Bearer ${good}`, `AUTHORIZATION: bearer ${good}`, `authorization: Bearer ${fixture.consumeToken}`]) {
        const answer = await ask(target, [line])
        expect({target: target.name, line: line.slice(0, 30), status: answer.status}).toEqual({target: target.name, line: line.slice(0, 30), status: 200})
      }
    }
  })

  it('refuses repeated, mixed, empty and valueless credentials with 401 invalid_request, whatever the order', async () => {
    const good = fixture.serviceKey.key
    const token = fixture.consumeToken
    const cases: Record<string, string[]> = {
      'Authorization twice, good then bad': [`Authorization: Bearer ${good}`, 'Authorization: Bearer bad'],
      'Authorization twice, bad then good': ['Authorization: Bearer bad', `Authorization: Bearer ${good}`],
      'Authorization twice, the same good key': [`Authorization: Bearer ${good}`, `Authorization: Bearer ${good}`],
      'Authorization twice, a good token then a good key': [`Authorization: Bearer ${token}`, `Authorization: Bearer ${good}`],
      'X-API-Key twice, good then bad': [`X-API-Key: ${good}`, 'X-API-Key: bad'],
      'X-API-Key twice, bad then good': ['X-API-Key: bad', `X-API-Key: ${good}`],
      'X-API-Key twice, the same good key': [`X-API-Key: ${good}`, `X-API-Key: ${good}`],
      'X-API-Key twice, names in other cases': [`X-API-KEY: ${good}`, 'x-api-key: bad'],
      'Authorization twice, names in other cases': [`authorization: Bearer ${good}`, 'AUTHORIZATION: Bearer bad'],
      'a good X-API-Key and an empty Authorization': [`X-API-Key: ${good}`, 'Authorization:'],
      'an empty Authorization and a good X-API-Key': ['Authorization:', `X-API-Key: ${good}`],
      'a good Bearer and an empty X-API-Key': [`Authorization: Bearer ${good}`, 'X-API-Key:'],
      'a good X-API-Key and a Bearer token': [`X-API-Key: ${good}`, `Authorization: Bearer ${token}`],
      'a Bearer token and a good X-API-Key': [`Authorization: Bearer ${token}`, `X-API-Key: ${good}`],
      'a good X-API-Key and an Authorization of another scheme': [`X-API-Key: ${good}`, 'Authorization: Basic YWxpY2U6c2VjcmV0'],
      'an empty X-API-Key': ['X-API-Key:'],
      'a blank X-API-Key': ['X-API-Key:    '],
      'an empty Authorization': ['Authorization:'],
      'a blank Authorization': ['Authorization:   '],
      'Bearer with no value': ['Authorization: Bearer'],
      'Bearer with a blank value': ['Authorization: Bearer    '],
    }
    for (const target of TARGETS) {
      for (const [name, lines] of Object.entries(cases)) {
        const answer = await ask(target, lines)
        const what = `${target.name}: ${name}`
        expect({what, status: answer.status}).toEqual({what, status: 401})
        expect(rawHeader(answer.headers, 'www-authenticate'), what).toBe('Bearer realm="accessctl", error="invalid_request"')
        expect(answer.json, what).toEqual({error: {code: 'invalid_request', message: expect.any(String)}})
        expect(rawHeader(answer.headers, 'x-accessctl-via'), what).toBeUndefined()
        for (const secret of [good, token]) expect(answer.raw, what).not.toContain(secret)
      }
    }
  })

  it('a refused credential is logged and counted as an authorize decision with the outcome invalid_request', async () => {
    const counter = 'accessctl_decisions_total{endpoint="authorize",outcome="invalid_request"}'
    const before = (await scrapeMetrics(server.url)).get(counter) ?? 0
    const since = server.logLines().length
    const answer = await ask(TARGETS[0], ['Authorization: Bearer bad', `Authorization: Bearer ${fixture.serviceKey.key}`])
    expect(answer.status).toBe(401)
    const line = await awaitLogLine(server, since, (entry) => entry.endpoint === 'authorize' && entry.status === 401)
    expect(line).toMatchObject({route: '/v1/deployments/:id/authorize', outcome: 'invalid_request', error: 'invalid_request'})
    expect((await scrapeMetrics(server.url)).get(counter)).toBe(before + 1)
    expect(server.stderr()).not.toContain(fixture.serviceKey.key)
  })

  it('a public deployment admits no credential, and an Authorization of another scheme alone, but not an ambiguous one', async () => {
    const target = {name: 'public', method: 'GET', path: `/v1/deployments/${PUBLIC}/authorize`, extra: []}
    for (const lines of [[], ['Authorization: Basic YWxpY2U6c2VjcmV0']]) {
      const answer = await ask(target, lines)
      expect(answer.status).toBe(200)
      expect(rawHeader(answer.headers, 'x-accessctl-via')).toBe('public-service')
    }

    for (const lines of [['X-API-Key:'], ['Authorization: Bearer'], ['X-API-Key: a', 'X-API-Key: b'], ['X-API-Key: a', 'Authorization: Basic YWxpY2U6c2VjcmV0']]) {
      const answer = await ask(target, lines)
      expect({lines, status: answer.status}).toEqual({lines, status: 401})
      expect(answer.json).toEqual({error: {code: 'invalid_request', message: expect.any(String)}})
    }
  })

  it('X-Accessctl-Deployment sent twice names no deployment: 400, not the first or the last', async () => {
    for (const order of [[DEPLOYMENTS.inherit, DEPLOYMENTS.apiKeys], [DEPLOYMENTS.apiKeys, DEPLOYMENTS.inherit]]) {
      const head = ['GET /v1/authorize HTTP/1.1', 'Host: accessctl', 'Connection: close', `X-API-Key: ${fixture.serviceKey.key}`]
      const answer = await rawJson(server.url, `${[...head, ...order.map((name) => `X-Accessctl-Deployment: ${name}`)].join('\r\n')}\r\n\r\n`)
      expect(answer.status).toBe(400)
      expect(answer.json).toEqual({error: {code: 'invalid_request', message: expect.stringContaining('once')}})
    }
  })
})
