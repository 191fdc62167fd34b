import type {FastifyInstance} from 'fastify'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DecisionPoint} from '../../../src/domain/decision-point.js'
import {AccessctlError} from '../../../src/errors.js'
import type {AccessLogEntry} from '../../../src/serve/access-log.js'
import {buildApp} from '../../../src/serve/app.js'
import {type TempDir, tempDir} from '../../helpers/cli.js'
import {rawJson} from '../../helpers/serve.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * The fast lane (src/serve/fast-lane.ts) answers forward authentication in its common shape without fastify, and
 * hands every other shape to fastify's routes for the same paths. Both must answer alike: each question here is
 * asked once in the plain shape and once in a shape only fastify takes (a %-escape in the path, or a body), and the
 * two answers (status, headers, body) and their access log lines must be the same. serve's app runs in this
 * process, over real HTTP, so the test can also count which requests reached fastify.
 */

let dir: TempDir
let fixture: ServeFixture
let decisions: DecisionPoint
let app: FastifyInstance
let url: string
const entries: AccessLogEntry[] = []
let reachedFastify = 0

beforeAll(async () => {
  dir = tempDir()
  fixture = await buildServeFixture(dir.storePath)
  decisions = DecisionPoint.open(dir.storePath)
  app = buildApp({decisions, accessctlError: AccessctlError, requestTimeoutMs: 5000, accessLog: (entry) => entries.push(entry)})
  app.addHook('onRequest', (_request, _reply, done) => {
    reachedFastify++
    done()
  })
  await app.listen({host: '127.0.0.1', port: 0})
  const address = app.server.address()
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}, 120_000)

afterAll(async () => {
  await app.close()
  decisions.close()
  dir.cleanup()
})

interface Seen {
  status: number
  headers: Record<string, string>
  body: string
  log: Omit<AccessLogEntry, 'time' | 'ms'>
  viaFastify: boolean
}

/** Sends the request, and returns the answer without the headers that change per request, and its log line. */
async function ask(target: string, lines: string[], body = ''): Promise<Seen> {
  const before = {entries: entries.length, fastify: reachedFastify}
  const length = body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`]
  const answer = await rawJson(url, `${[`GET ${target} HTTP/1.1`, 'Host: accessctl', 'Connection: close', ...lines, ...length].join('\r\n')}\r\n\r\n${body}`)
  const headers: Record<string, string> = {}
  for (const line of answer.headers.split('\r\n').slice(1)) {
    const at = line.indexOf(':')
    const name = line.slice(0, at).toLowerCase()
    if (!['date', 'connection', 'keep-alive'].includes(name)) headers[name] = line.slice(at + 1).trim()
  }

  for (let i = 0; i < 100 && entries.length === before.entries; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  expect(entries.length, target).toBe(before.entries + 1)
  const {time, ms, ...log} = entries.at(-1)!
  expect([typeof time, typeof ms]).toEqual(['string', 'number'])
  return {status: answer.status, headers, body: answer.body, log, viaFastify: reachedFastify > before.fastify}
}

/** Escapes the last character of the deployment id in a path, which fastify decodes back: the same question. */
const escapeLast = (path: string, id: string) => path.replace(id, `${id.slice(0, -1)}%${id.charCodeAt(id.length - 1).toString(16)}`)

describe('the fast lane and fastify answer forward authentication alike', () => {
  const key = () => `X-API-Key: ${fixture.serviceKey.key}`
  const credentials: Record<string, () => string[]> = {
    'no credential': () => [],
    'a service key': () => [key()],
    'a deployment key': () => [`Authorization: Bearer ${fixture.deploymentKey.key}`],
    'an unknown key': () => ['X-API-Key: acsk_unknown'],
    'a token that grants consume': () => [`Authorization: Bearer ${fixture.consumeToken}`],
    'a token that does not': () => [`Authorization: Bearer ${fixture.getToken}`],
    'a token that does not verify': () => [`Authorization: Bearer ${fixture.consumeToken.slice(0, -4)}AAAA`],
    'two keys': () => [key(), 'X-API-Key: acsk_other'],
    'an empty Authorization': () => ['Authorization:'],
  }

  it('for the deployment in the path, every credential, with and without the suffix Envoy appends', async () => {
    const ids = [...Object.values(DEPLOYMENTS), 'no-such-deployment', '-malformed']
    for (const id of ids) {
      for (const suffix of ['', '/orders/7?page=2']) {
        for (const [name, lines] of Object.entries(credentials)) {
          const path = `/v1/deployments/${id}/authorize${suffix}`
          const plain = await ask(path, lines())
          const escaped = await ask(escapeLast(path, id), lines())
          const what = `${path} with ${name}`
          expect({what, viaFastify: plain.viaFastify}).toEqual({what, viaFastify: false})
          expect({what, viaFastify: escaped.viaFastify}).toEqual({what, viaFastify: true})
          expect({...escaped, viaFastify: false}, what).toEqual(plain)
        }
      }
    }

    // The answers asked are all there: each status the contract has for forward authentication.
    const statuses = new Set(entries.map((entry) => entry.status))
    expect([...statuses].sort()).toEqual([200, 400, 401, 403, 404])
  })

  it('for the deployment in X-Accessctl-Deployment, and a request with a body', async () => {
    const named = (id: string) => [`X-Accessctl-Deployment: ${id}`]
    for (const headerLines of [named(DEPLOYMENTS.inherit), named(DEPLOYMENTS.disabled), named('no-such-deployment'), [], [...named('a'), ...named('b')]]) {
      for (const [name, lines] of Object.entries(credentials)) {
        const what = `${headerLines.join(', ')} with ${name}`
        const plain = await ask('/v1/authorize/a', [...headerLines, ...lines()])
        const escaped = await ask('/v1/authorize/%61', [...headerLines, ...lines()])
        const withBody = await ask('/v1/authorize/a', [...headerLines, ...lines()], '{"ignored": true}')
        expect({what, lanes: [plain.viaFastify, escaped.viaFastify, withBody.viaFastify]}).toEqual({what, lanes: [false, true, true]})
        expect({...escaped, viaFastify: false}, what).toEqual(plain)
        expect({...withBody, viaFastify: false}, what).toEqual(plain)
      }
    }
  })

  it('leaves to fastify what it must refuse or read first: an over-long id, no Host, HEAD', async () => {
    // Fastify's router refuses it before any hook runs; the lane would have given the domain's 400 for the id.
    const long = await ask(`/v1/deployments/${'a'.repeat(300)}/authorize`, [])
    expect({status: long.status, body: JSON.parse(long.body)}).toMatchObject({status: 414, body: {error: {code: 'uri_too_long'}}})
    const head = await rawJson(url, `HEAD /v1/deployments/${DEPLOYMENTS.inherit}/authorize HTTP/1.1\r\nHost: a\r\nConnection: close\r\n${key()}\r\n\r\n`)
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    const noHost = await rawJson(url, `GET /v1/deployments/${DEPLOYMENTS.inherit}/authorize HTTP/1.1\r\nConnection: close\r\n${key()}\r\n\r\n`)
    expect(noHost.status).toBe(400)
    expect(noHost.json).toMatchObject({error: {code: 'malformed_request'}})
  })
})
