import {mkdirSync, renameSync} from 'node:fs'
import {METHODS} from 'node:http'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {answeredWithStatus, awaitLogLine, rawHeader, rawJson, type RunningServe, scrapeMetrics, startServe} from '../../helpers/serve.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * serve's error contract (issue 17, item 6): whatever goes wrong, and whoever notices it (a route, fastify's router or
 * body parsers, Node's HTTP parser), the answer is accessctl's JSON error `{"error": {"code", "message"}}` with the
 * right status, quotes neither the client's input nor a path of the server, has its access log line and is counted
 * in the metrics. Requests go as raw bytes over a socket: fetch will not send CONNECT, a request without Host or a
 * method Node does not know.
 */

/** Put in every request's input: no answer, and no log line, may contain it. */
const MARKER = 'zq7echo'

let dir: TempDir
let fixture: ServeFixture
let server: RunningServe

beforeAll(async () => {
  dir = tempDir()
  fixture = await buildServeFixture(dir.storePath)
  server = await startServe(['--request-timeout', '1s'], {store: dir.storePath})
}, 120_000)

afterAll(async () => {
  if (server.child.exitCode === null) await server.stop()
  dir.cleanup()
})

const request = (head: string[], body = '') => `${head.join('\r\n')}\r\n\r\n${body}`
const post = (path: string, contentType: string | undefined, body: string) =>
  request(
    ['POST ' + path + ' HTTP/1.1', 'Host: accessctl', 'Connection: close', ...(contentType ? [`Content-Type: ${contentType}`] : []), `Content-Length: ${Buffer.byteLength(body)}`],
    body,
  )
const get = (target: string, ...lines: string[]) => request([`GET ${target} HTTP/1.1`, 'Host: accessctl', 'Connection: close', ...lines])

interface Case {
  name: string
  bytes: string
  status: number
  code: string
  waitMs?: number
}

/**
 * Sends the case and checks the whole contract: status, JSON error body with the code, nothing of the input or the
 * server's paths in the answer or the log line, one access log line with the status and code, one more answer with
 * that status in the metrics.
 */
async function expectContract(target: RunningServe, item: Case, unwanted: string[] = [], {logMayTell = false} = {}): Promise<void> {
  const before = answeredWithStatus(await scrapeMetrics(target.url), item.status)
  const since = target.logLines().length
  const answer = await rawJson(target.url, item.bytes, item.waitMs)
  expect({name: item.name, status: answer.status}).toEqual({name: item.name, status: item.status})
  expect(answer.json, item.name).toEqual({error: {code: item.code, message: expect.any(String)}})
  expect(rawHeader(answer.headers, 'content-type'), item.name).toMatch(/^application\/json/)
  for (const text of [MARKER, dir.path, ...unwanted]) expect(answer.raw, item.name).not.toContain(text)
  const line = await awaitLogLine(target, since, (entry) => entry.status === item.status && String(entry.error).startsWith(item.code))
  for (const text of [logMayTell ? [] : [MARKER], unwanted].flat()) expect(JSON.stringify(line), item.name).not.toContain(text)
  expect(answeredWithStatus(await scrapeMetrics(target.url), item.status), item.name).toBe(before + 1)
}

describe('every error is the JSON error, logged and counted, echoing nothing', () => {
  it('URLs and parameters: over-long, malformed, unknown', async () => {
    const cases: Case[] = [
      {name: '10 KB deployment id', bytes: get(`/v1/deployments/${MARKER.repeat(1500)}/authorize`), status: 414, code: 'uri_too_long'},
      {name: '10 KB id on /*', bytes: get(`/v1/deployments/${MARKER.repeat(1500)}/authorize/x`), status: 414, code: 'uri_too_long'},
      {name: 'a bad %-escape', bytes: get(`/v1/deployments/%zz${MARKER}/authorize`), status: 400, code: 'invalid_request'},
      {name: 'a malformed deployment id', bytes: get(`/v1/deployments/-${MARKER}/authorize`), status: 400, code: 'invalid_input'},
      {name: 'an unknown deployment', bytes: get(`/v1/deployments/${MARKER}/authorize`, `X-API-Key: ${fixture.serviceKey.key}`), status: 404, code: 'not_found'},
      {name: 'an unknown endpoint', bytes: get(`/no/such/${MARKER}?q=${MARKER}`), status: 404, code: 'not_found'},
      {name: 'a URL over the header limit', bytes: get(`/healthz?q=${MARKER.repeat(2500)}`), status: 431, code: 'headers_too_large'},
    ]
    for (const item of cases) await expectContract(server, item, [fixture.serviceKey.key])
  })

  it('HTTP framing: no Host, two Hosts, a header too big, an Expect it cannot meet, not HTTP, a request too slow', async () => {
    const cases: Case[] = [
      {name: 'no Host', bytes: request([`GET /healthz?${MARKER} HTTP/1.1`, 'Connection: close']), status: 400, code: 'malformed_request'},
      {name: 'no Host on authorize', bytes: request([`GET /v1/deployments/${DEPLOYMENTS.inherit}/authorize HTTP/1.1`, 'Connection: close']), status: 400, code: 'malformed_request'},
      {name: 'two Hosts', bytes: request(['GET /healthz HTTP/1.1', 'Host: a', `Host: ${MARKER}`, 'Connection: close']), status: 400, code: 'malformed_request'},
      {name: 'headers over 16 KiB', bytes: get('/healthz', `X-Filler: ${MARKER.repeat(2500)}`), status: 431, code: 'headers_too_large'},
      {name: 'Expect: other', bytes: get('/healthz', `Expect: ${MARKER}`), status: 417, code: 'expectation_failed'},
      {name: 'not HTTP', bytes: `HELLO ${MARKER}\r\n\r\n`, status: 400, code: 'malformed_request'},
      {name: 'a bad header name', bytes: get('/healthz', `X-API-Key : ${MARKER}`), status: 400, code: 'malformed_request'},
      {name: 'headers that never end', bytes: `GET /healthz?${MARKER} HTTP/1.1\r\nHost: accessctl\r\n`, status: 408, code: 'request_timeout', waitMs: 10_000},
    ]
    for (const item of cases) await expectContract(server, item)
  })

  it('methods: CONNECT and unknown methods are 501, other methods on a fixed endpoint 404', async () => {
    const cases: Case[] = [
      {name: 'CONNECT host:port', bytes: request([`CONNECT ${MARKER}.example:443 HTTP/1.1`, `Host: ${MARKER}.example:443`]), status: 501, code: 'not_implemented'},
      {name: 'CONNECT on authorize', bytes: request([`CONNECT /v1/deployments/${DEPLOYMENTS.inherit}/authorize HTTP/1.1`, 'Host: accessctl']), status: 501, code: 'not_implemented'},
      {name: 'FOO', bytes: request([`FOO /v1/deployments/${DEPLOYMENTS.inherit}/authorize HTTP/1.1`, 'Host: accessctl', 'Connection: close']), status: 501, code: 'not_implemented'},
      {name: 'lower-case get', bytes: request([`get /healthz?${MARKER} HTTP/1.1`, 'Host: accessctl', 'Connection: close']), status: 501, code: 'not_implemented'},
      {name: 'PATCH /healthz', bytes: request([`PATCH /healthz?${MARKER} HTTP/1.1`, 'Host: accessctl', 'Connection: close']), status: 404, code: 'not_found'},
      {name: 'TRACE /readyz', bytes: request(['TRACE /readyz HTTP/1.1', 'Host: accessctl', 'Connection: close']), status: 404, code: 'not_found'},
      {name: 'OPTIONS *', bytes: request(['OPTIONS * HTTP/1.1', 'Host: accessctl', 'Connection: close']), status: 404, code: 'not_found'},
      {name: 'GET /v1/tokens/verify', bytes: get('/v1/tokens/verify'), status: 404, code: 'not_found'},
    ]
    for (const item of cases) await expectContract(server, item)
  })

  it('bodies: only JSON (415 otherwise), well-formed (400), not too big (413), and names that are valid (400)', async () => {
    const token = fixture.consumeToken
    const cases: Case[] = [
      {name: 'text/plain', bytes: post('/v1/tokens/verify', 'text/plain', JSON.stringify({token: MARKER})), status: 415, code: 'unsupported_media_type'},
      {name: 'form', bytes: post('/v1/tokens/verify', 'application/x-www-form-urlencoded', `token=${MARKER}`), status: 415, code: 'unsupported_media_type'},
      {name: 'no content type', bytes: post('/v1/tokens/check', undefined, JSON.stringify({token: MARKER})), status: 415, code: 'unsupported_media_type'},
      {name: 'XML', bytes: post('/v1/tokens/check', `application/xml`, `<token>${MARKER}</token>`), status: 415, code: 'unsupported_media_type'},
      {name: 'malformed JSON', bytes: post('/v1/tokens/verify', 'application/json', `{"token": "${MARKER}`), status: 400, code: 'invalid_request'},
      {name: 'a token not JSON', bytes: post('/v1/tokens/verify', 'application/json', `${MARKER}`), status: 400, code: 'invalid_request'},
      {name: '__proto__', bytes: post('/v1/tokens/verify', 'application/json', `{"token": "x", "__proto__": {"${MARKER}": 1}}`), status: 400, code: 'invalid_request'},
      {name: 'empty JSON', bytes: post('/v1/tokens/verify', 'application/json', ''), status: 400, code: 'invalid_request'},
      {name: 'an unknown field', bytes: post('/v1/tokens/verify', 'application/json', `{"token": "x", "${MARKER}": "${MARKER}"}`), status: 400, code: 'invalid_input'},
      {name: 'a wrong type', bytes: post('/v1/tokens/verify', 'application/json', `{"token": ["${MARKER}"]}`), status: 400, code: 'invalid_input'},
      {name: 'body over 64 KiB', bytes: post('/v1/tokens/verify', 'application/json', JSON.stringify({token: MARKER.repeat(10_000)})), status: 413, code: 'body_too_large'},
      {
        name: 'an unknown function',
        bytes: post('/v1/tokens/check', 'application/json', JSON.stringify({token, function: MARKER, resource: 'deployments'})),
        status: 400,
        code: 'invalid_input',
      },
      {
        name: 'an unknown resource',
        bytes: post('/v1/tokens/check', 'application/json', JSON.stringify({token, function: 'get', resource: `${MARKER}s`})),
        status: 400,
        code: 'invalid_input',
      },
    ]
    for (const item of cases) await expectContract(server, item, [token])
  })

  it('the same class on the forward-auth routes: a credential in the input is neither echoed nor logged', async () => {
    const key = fixture.serviceKey.key
    const cases: Case[] = [
      {name: 'an unknown deployment with a key', bytes: get(`/v1/deployments/${MARKER}/authorize`, `X-API-Key: ${key}`), status: 404, code: 'not_found'},
      {name: 'a key as the deployment id', bytes: get(`/v1/deployments/${key}${MARKER}/authorize`), status: 400, code: 'invalid_input'},
      {name: 'a header-named deployment that is malformed', bytes: get('/v1/authorize', `X-Accessctl-Deployment: -${MARKER}`), status: 400, code: 'invalid_input'},
    ]
    for (const item of cases) await expectContract(server, item, [key])
  })
})

describe('any method on forward authentication', () => {
  it('every method Node parses but CONNECT is decided like GET, and logged with its route', async () => {
    const methods = METHODS.filter((method) => method !== 'CONNECT')
    expect(methods).toEqual(expect.arrayContaining(['TRACE', 'OPTIONS', 'PATCH', 'PROPFIND', 'QUERY']))
    for (const method of methods) {
      for (const [headers, status] of [[[`X-API-Key: ${fixture.serviceKey.key}`], 200], [[], 401]] as const) {
        const since = server.logLines().length
        const bytes = request([`${method} /v1/deployments/${DEPLOYMENTS.inherit}/authorize/orders HTTP/1.1`, 'Host: accessctl', 'Connection: close', ...headers])
        const answer = await rawJson(server.url, bytes)
        expect({method, status: answer.status}).toEqual({method, status})
        if (method !== 'HEAD') expect(answer.json, method).toMatchObject({admitted: status === 200, deployment: DEPLOYMENTS.inherit})
        const line = await awaitLogLine(server, since, (entry) => entry.method === method && entry.endpoint === 'authorize')
        expect(line).toMatchObject({route: '/v1/deployments/:id/authorize/*', status})
      }
    }
  })
})

describe('a store that cannot be read', () => {
  it('is a 503 store_unusable that does not name the store, logged with the reason, counted', async () => {
    const folder = join(dir.path, `private-${MARKER}`)
    mkdirSync(folder)
    const store = join(folder, 'accessctl.db')
    expect((await runCli(['store', 'backup', store], {store: dir.storePath})).code).toBe(0)
    const own = await startServe([], {store})
    try {
      renameSync(store, `${store}.away`)
      await new Promise((resolve) => setTimeout(resolve, 50))
      const cases: Case[] = [
        {name: 'authorize', bytes: get(`/v1/deployments/${DEPLOYMENTS.inherit}/authorize`, `X-API-Key: ${fixture.serviceKey.key}`), status: 503, code: 'store_unusable'},
        {name: 'header authorize', bytes: get('/v1/authorize', `X-Accessctl-Deployment: ${DEPLOYMENTS.inherit}`), status: 503, code: 'store_unusable'},
        {name: 'verify', bytes: post('/v1/tokens/verify', 'application/json', JSON.stringify({token: fixture.consumeToken})), status: 503, code: 'store_unusable'},
        {name: 'jwks', bytes: get('/.well-known/jwks.json'), status: 503, code: 'store_unusable'},
        {name: 'readyz', bytes: get('/readyz'), status: 503, code: 'store_unusable'},
      ]
      for (const item of cases) {
        // The marker is in the store's path here, not in the request: the answer must not tell it, the log does.
        await expectContract(own, item, [fixture.consumeToken, fixture.serviceKey.key], {logMayTell: true})
        const answer = await rawJson(own.url, item.bytes)
        expect(rawHeader(answer.headers, 'retry-after')).toBe('1')
      }

      // The operator learns why from the log, which the client never sees.
      expect(own.logLines().some((line) => String(line.error).startsWith('store_unusable: ') && String(line.error).includes(store))).toBe(true)
    } finally {
      expect((await own.stop()).code).toBe(0)
    }
  })
})

describe('while stopping', () => {
  it('a request pipelined behind one in flight is answered and logged, with Connection: close, not given a bare 503', async () => {
    const own = await startServe([], {store: dir.storePath})
    const {connect} = await import('node:net')
    const {hostname, port} = new URL(own.url)
    const socket = connect({host: hostname, port: Number(port)})
    const received: Buffer[] = []
    socket.on('data', (chunk) => received.push(chunk))
    const closed = new Promise((resolve) => socket.on('close', resolve))
    await new Promise((resolve) => socket.once('connect', resolve))
    const body = JSON.stringify({token: fixture.consumeToken})
    socket.write(`POST /v1/tokens/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const stopping = own.stop()
    await new Promise((resolve) => setTimeout(resolve, 300))
    socket.write(`${body.slice(10)}GET /v1/deployments/${DEPLOYMENTS.inherit}/authorize HTTP/1.1\r\nHost: x\r\nX-API-Key: ${fixture.serviceKey.key}\r\n\r\n`)
    await closed
    const responses = Buffer.concat(received).toString().split(/(?=HTTP\/1\.1 )/)
    expect(responses).toHaveLength(2)
    expect(responses[0]).toMatch(/^HTTP\/1\.1 200 /)
    expect(responses[1]).toMatch(/^HTTP\/1\.1 200 /)
    expect(responses[1]).toMatch(/\r\nConnection: close\r\n/i)
    expect(JSON.parse(responses[1].split('\r\n\r\n')[1])).toMatchObject({admitted: true})
    expect((await stopping).code).toBe(0)
    expect(own.logLines().filter((line) => line.status === 200).map((line) => line.route)).toEqual(['/v1/tokens/verify', '/v1/deployments/:id/authorize'])
  })
})
