import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {rawRequest, type RunningServe, startServe} from '../../helpers/serve.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../../helpers/serve-fixture.js'

/** `accessctl serve` as a real process: every endpoint, its status codes, headers, errors and limits. */

let dir: TempDir
let fixture: ServeFixture
let server: RunningServe

interface Answer {
  status: number
  headers: Headers
  json: Record<string, unknown>
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, init)
  const text = await response.text()
  return {status: response.status, headers: response.headers, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)}
}

const authorize = (deployment: string, headers: Record<string, string> = {}) => call(`/v1/deployments/${deployment}/authorize`, {headers})
const post = (path: string, body: string, contentType = 'application/json') =>
  call(path, {method: 'POST', body, headers: {'content-type': contentType}})

beforeAll(async () => {
  dir = tempDir()
  fixture = await buildServeFixture(dir.storePath)
  server = await startServe(['--request-timeout', '2s'], {store: dir.storePath})
}, 120_000)

afterAll(async () => {
  if (server.child.exitCode === null) await server.stop()
  dir.cleanup()
})

describe('forward authentication', () => {
  it('answers 401 without a credential, with WWW-Authenticate, and the document of deployment authorize', async () => {
    const answer = await authorize(DEPLOYMENTS.inherit)
    expect(answer.status).toBe(401)
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="accessctl"')
    const cli = await runJson(['deployment', 'authorize', DEPLOYMENTS.inherit], {store: dir.storePath})
    expect(cli.code).toBe(3)
    expect(answer.json).toEqual(cli.json)
  })

  it('admits a service key from X-API-Key or Authorization: Bearer, naming it in X-Accessctl-* headers', async () => {
    const both: Array<Record<string, string>> = [{'x-api-key': fixture.serviceKey.key}, {authorization: `Bearer ${fixture.serviceKey.key}`}]
    for (const headers of both) {
      const answer = await authorize(DEPLOYMENTS.inherit, headers)
      expect(answer.status).toBe(200)
      expect(answer.headers.get('x-accessctl-via')).toBe('service-key')
      expect(answer.headers.get('x-accessctl-key-id')).toBe(fixture.serviceKey.id)
      expect(answer.headers.get('x-accessctl-deployment')).toBe(DEPLOYMENTS.inherit)
      expect(answer.headers.get('x-accessctl-account')).toBeNull()
    }

    const cli = await runJson(['deployment', 'authorize', DEPLOYMENTS.inherit, '--key', fixture.serviceKey.key], {store: dir.storePath})
    expect((await authorize(DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key})).json).toEqual(cli.json)
  })

  it('in api-keys mode refuses the service key (401) and admits the deployment key', async () => {
    const refused = await authorize(DEPLOYMENTS.apiKeys, {'x-api-key': fixture.serviceKey.key})
    expect(refused.status).toBe(401)
    expect(refused.json).toMatchObject({admitted: false, effectiveMode: 'api-keys'})
    const admitted = await authorize(DEPLOYMENTS.apiKeys, {'x-api-key': fixture.deploymentKey.key})
    expect(admitted.status).toBe(200)
    expect(admitted.headers.get('x-accessctl-via')).toBe('deployment-key')
    expect(admitted.headers.get('x-accessctl-key-id')).toBe(fixture.deploymentKey.id)
  })

  it('admits a token with consume on the deployment, naming its account; 403 for one without; 401 for a bad one', async () => {
    const admitted = await authorize(DEPLOYMENTS.inherit, {authorization: `Bearer ${fixture.consumeToken}`})
    expect(admitted.status).toBe(200)
    expect(admitted.headers.get('x-accessctl-via')).toBe('token')
    expect(admitted.headers.get('x-accessctl-account')).toBe(fixture.aliceId)
    expect(admitted.headers.get('x-accessctl-token-id')).toMatch(/^[0-9a-f]{32}$/)
    const cli = await runJson(['deployment', 'authorize', DEPLOYMENTS.inherit, '--bearer', fixture.consumeToken], {store: dir.storePath})
    expect(admitted.json).toEqual(cli.json)

    const notGranted = await authorize(DEPLOYMENTS.inherit, {authorization: `Bearer ${fixture.getToken}`})
    expect(notGranted.status).toBe(403)
    expect(notGranted.headers.get('www-authenticate')).toBe('Bearer realm="accessctl", error="insufficient_scope"')

    const [head, payload, signature] = fixture.consumeToken.split('.')
    const tampered = `${head}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
    for (const token of [tampered, 'not-a-token']) {
      const invalid = await authorize(DEPLOYMENTS.inherit, {authorization: `Bearer ${token}`})
      expect(invalid.status).toBe(401)
      expect(invalid.headers.get('www-authenticate')).toBe('Bearer realm="accessctl", error="invalid_token"')
    }
  })

  it('a disabled deployment is 403 whatever the credential; an unknown one 404; a malformed id 400', async () => {
    const credentials: Array<Record<string, string>> = [{}, {'x-api-key': fixture.serviceKey.key}, {authorization: `Bearer ${fixture.consumeToken}`}]
    for (const headers of credentials) {
      const answer = await authorize(DEPLOYMENTS.disabled, headers)
      expect(answer.status).toBe(403)
      expect(answer.json).toMatchObject({admitted: false, reason: 'deployment is disabled'})
    }

    const unknown = await authorize('no-such-deployment', {'x-api-key': fixture.serviceKey.key})
    expect(unknown.status).toBe(404)
    // The message does not quote the id asked for (see error-contract.test.ts).
    expect(unknown.json).toEqual({error: {code: 'not_found', message: 'no such deployment'}})
    const malformed = await authorize('-bad', {'x-api-key': fixture.serviceKey.key})
    expect(malformed.status).toBe(400)
    expect(malformed.json).toMatchObject({error: {code: 'invalid_input'}})
  })

  it('GET /v1/authorize takes the deployment from X-Accessctl-Deployment, and 400 without it', async () => {
    const admitted = await call('/v1/authorize', {headers: {'x-accessctl-deployment': DEPLOYMENTS.apiKeys, 'x-api-key': fixture.deploymentKey.key}})
    expect(admitted.status).toBe(200)
    expect(admitted.headers.get('x-accessctl-deployment')).toBe(DEPLOYMENTS.apiKeys)
    const missing = await call('/v1/authorize', {headers: {'x-api-key': fixture.deploymentKey.key}})
    expect(missing.status).toBe(400)
    expect(missing.json).toMatchObject({error: {code: 'invalid_request', message: expect.stringContaining('X-Accessctl-Deployment')}})
  })

  it("takes Envoy's appended path and any method, without reading the body", async () => {
    const answer = await call(`/v1/deployments/${DEPLOYMENTS.inherit}/authorize/orders/42?page=2`, {
      method: 'PUT',
      headers: {'x-api-key': fixture.serviceKey.key, 'content-type': 'application/xml'},
      body: '<order/>',
    })
    expect(answer.status).toBe(200)
    expect((await call('/v1/authorize/anything', {method: 'DELETE', headers: {'x-accessctl-deployment': DEPLOYMENTS.inherit}})).status).toBe(401)
  })

  it('a malformed credential is a 401 with a JSON error: both headers, or empty ones', async () => {
    const malformed: Array<Record<string, string>> = [
      {'x-api-key': fixture.serviceKey.key, authorization: `Bearer ${fixture.consumeToken}`},
      {'x-api-key': '  '},
      {authorization: 'Bearer '},
    ]
    for (const headers of malformed) {
      const answer = await authorize(DEPLOYMENTS.inherit, headers)
      expect(answer.status).toBe(401)
      expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="accessctl", error="invalid_request"')
      expect(answer.json).toMatchObject({error: {code: 'invalid_request'}})
    }
  })
})

describe('tokens verify and check', () => {
  it('give the documents of the CLI with --json, status 200 whatever the verdict', async () => {
    for (const token of [fixture.consumeToken, 'garbage']) {
      const answer = await post('/v1/tokens/verify', JSON.stringify({token}))
      expect(answer.status).toBe(200)
      const cli = await runJson(['tokens', 'verify', token], {store: dir.storePath})
      expect(answer.json).toEqual(cli.json)
    }

    for (const [functionName, entity] of [['consume', DEPLOYMENTS.inherit], ['admin', DEPLOYMENTS.inherit]]) {
      const answer = await post('/v1/tokens/check', JSON.stringify({token: fixture.consumeToken, function: functionName, resource: 'deployments', entity}))
      expect(answer.status).toBe(200)
      const cli = await runJson(['tokens', 'check', fixture.consumeToken, '-f', functionName, '-r', 'deployments', '-e', entity], {store: dir.storePath})
      expect(answer.json).toEqual(cli.json)
    }

    const withAccount = await post('/v1/tokens/check', JSON.stringify({token: fixture.consumeToken, function: 'consume', resource: 'deployments', account: 'alice', entity: null}))
    expect(withAccount.json).toMatchObject({valid: true, request: {account: fixture.aliceId, entity: null}})
  })

  it('answer a malformed request with 400 (or 413, 415) and a JSON error, never a stack trace', async () => {
    const cases: Array<[string, string, string | undefined, number, string]> = [
      ['/v1/tokens/verify', '{"token": ', 'application/json', 400, 'invalid_request'],
      ['/v1/tokens/verify', '', 'application/json', 400, 'invalid_request'],
      ['/v1/tokens/verify', '[]', 'application/json', 400, 'invalid_input'],
      ['/v1/tokens/verify', '{}', 'application/json', 400, 'invalid_input'],
      ['/v1/tokens/verify', '{"token": 42}', 'application/json', 400, 'invalid_input'],
      ['/v1/tokens/verify', '{"token": ""}', 'application/json', 400, 'invalid_input'],
      ['/v1/tokens/verify', '{"token": "x", "extra": 1}', 'application/json', 400, 'invalid_input'],
      ['/v1/tokens/verify', '{"token": "x", "__proto__": {"a": 1}}', 'application/json', 400, 'invalid_request'],
      ['/v1/tokens/verify', 'token=x', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
      ['/v1/tokens/check', '{"token": "x", "function": "consume"}', 'application/json', 400, 'invalid_input'],
      ['/v1/tokens/check', '{"token": "x", "function": "no such!", "resource": "datasets"}', 'application/json', 400, 'invalid_input'],
      ['/v1/tokens/check', '{"token": "x", "function": "get", "resource": "datasets", "account": 7}', 'application/json', 400, 'invalid_input'],
    ]
    for (const [path, body, contentType, status, code] of cases) {
      const answer = await post(path, body, contentType)
      expect({body, status: answer.status}).toEqual({body, status})
      expect(answer.json).toEqual({error: {code, message: expect.any(String)}})
      expect(JSON.stringify(answer.json)).not.toMatch(/\n\s+at /)
    }

    const get = await call('/v1/tokens/verify')
    expect(get.status).toBe(404)
    expect(get.json).toMatchObject({error: {code: 'not_found'}})
  })
})

describe('JWKS, health, readiness and metrics', () => {
  it('serves the JWKS of tokens jwks with Cache-Control and an ETag, and 304 for a matching If-None-Match', async () => {
    const answer = await call('/.well-known/jwks.json')
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual((await runJson(['tokens', 'jwks'], {store: dir.storePath})).json)
    expect(answer.headers.get('cache-control')).toBe('public, max-age=60')
    const etag = answer.headers.get('etag')!
    expect(etag).toMatch(/^"[\w-]+"$/)
    const again = await fetch(`${server.url}/.well-known/jwks.json`, {headers: {'if-none-match': etag}})
    expect(again.status).toBe(304)
    expect(await again.text()).toBe('')
  })

  it('healthz, readyz and Prometheus metrics with decisions by endpoint and outcome', async () => {
    expect(await call('/healthz')).toMatchObject({status: 200, json: {status: 'ok'}})
    expect(await call('/readyz')).toMatchObject({status: 200, json: {status: 'ready', access: 'read-only'}})
    const metrics = await fetch(`${server.url}/metrics`)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await metrics.text()
    expect(text).toMatch(/^accessctl_decisions_total\{endpoint="authorize",outcome="admitted"\} [1-9]/m)
    expect(text).toMatch(/^accessctl_decisions_total\{endpoint="authorize",outcome="unauthenticated"\} [1-9]/m)
    expect(text).toMatch(/^accessctl_decisions_total\{endpoint="verify",outcome="valid"\} [1-9]/m)
    expect(text).toMatch(/^accessctl_http_request_duration_seconds_bucket\{le="0.005",endpoint="authorize",status="200"\} [1-9]/m)
    expect(text).toMatch(/^accessctl_process_resident_memory_bytes /m)
  })
})

describe('limits', () => {
  it('headers over 16 KiB are a 431 and bodies over 64 KiB a 413, each with a JSON error', async () => {
    const big = await rawRequest(server.url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: ${'a'.repeat(17 * 1024)}\r\n\r\n`)
    expect(big.status).toBe(431)
    expect(JSON.parse(big.body)).toMatchObject({error: {code: 'headers_too_large'}})
    const body = await post('/v1/tokens/verify', JSON.stringify({token: 'a'.repeat(70 * 1024)}))
    expect(body.status).toBe(413)
    expect(body.json).toMatchObject({error: {code: 'body_too_large'}})
    const longToken = await post('/v1/tokens/verify', JSON.stringify({token: 'a'.repeat(20 * 1024)}))
    expect(longToken.status).toBe(400)
  })

  it('a request that does not arrive within --request-timeout is a 408 and the connection is closed', async () => {
    const slow = await rawRequest(server.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 10_000)
    expect(slow.status).toBe(408)
    expect(slow.closed).toBe(true)
    expect(slow.ms).toBeLessThan(6000)
    expect(JSON.parse(slow.body)).toMatchObject({error: {code: 'request_timeout'}})
  })

  it('garbage that is not HTTP is a 400 with a JSON error', async () => {
    const garbage = await rawRequest(server.url, 'HELLO\r\n\r\n')
    expect(garbage.status).toBe(400)
    expect(JSON.parse(garbage.body)).toMatchObject({error: {code: 'malformed_request'}})
  })
})

describe('the access log', () => {
  it('has one JSON line per request on stderr, with the decision, and never a key or a token', async () => {
    // The line of the previous test's request (a 400 for garbage) may still be on its way: let it land first.
    await new Promise((resolve) => setTimeout(resolve, 200))
    const before = server.logLines().length
    await authorize(DEPLOYMENTS.apiKeys, {'x-api-key': fixture.deploymentKey.key})
    await post('/v1/tokens/verify', JSON.stringify({token: fixture.consumeToken}))
    await call(`/v1/deployments/${DEPLOYMENTS.inherit}/authorize/x?api_key=${fixture.serviceKey.key}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const lines = server.logLines().slice(before)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatchObject({
      method: 'GET',
      route: '/v1/deployments/:id/authorize',
      status: 200,
      endpoint: 'authorize',
      outcome: 'admitted',
      deployment: DEPLOYMENTS.apiKeys,
      via: 'deployment-key',
      keyId: fixture.deploymentKey.id,
    })
    expect(lines[0].ms).toEqual(expect.any(Number))
    expect(lines[1]).toMatchObject({route: '/v1/tokens/verify', endpoint: 'verify', outcome: 'valid', account: fixture.aliceId})
    expect(lines[2]).toMatchObject({route: '/v1/deployments/:id/authorize/*', status: 401})
    const secrets = [fixture.serviceKey.key, fixture.deploymentKey.key, fixture.consumeToken, fixture.getToken]
    for (const secret of secrets) {
      expect(server.stderr()).not.toContain(secret)
      // Nor a recognisable part of one.
      expect(server.stderr()).not.toContain(secret.slice(-20))
    }
  })

  it('--quiet leaves out the access log but still says where it listens; --json prints a summary on stop', async () => {
    const quiet = await startServe(['--quiet', '--json'], {store: dir.storePath})
    try {
      expect((await fetch(`${quiet.url}/healthz`)).status).toBe(200)
      expect((await fetch(`${quiet.url}/v1/deployments/${DEPLOYMENTS.inherit}/authorize`)).status).toBe(401)
    } finally {
      const exit = await quiet.stop()
      expect(exit.code).toBe(0)
    }

    expect(quiet.logLines().map((line) => line.msg)).toEqual(['listening', 'stopping', 'stopped'])
    expect(JSON.parse(quiet.stdout())).toEqual({url: quiet.url, store: dir.storePath, signal: 'SIGTERM', requests: 2})
  })
})

describe('start and stop', () => {
  it('SIGTERM lets a request in flight finish, refuses new connections, and exits 0 within 10 s', async () => {
    const own = await startServe([], {store: dir.storePath})
    const {hostname, port} = new URL(own.url)
    const body = JSON.stringify({token: fixture.consumeToken})
    const {connect} = await import('node:net')
    const socket = connect({host: hostname, port: Number(port)})
    const received: Buffer[] = []
    socket.on('data', (chunk) => received.push(chunk))
    const closed = new Promise((resolve) => socket.on('close', resolve))
    await new Promise((resolve) => socket.once('connect', resolve))
    // Headers and half the body: the request is in flight when the signal comes.
    socket.write(`POST /v1/tokens/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
    socket.write(body.slice(0, 10))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const stopping = own.stop()
    await new Promise((resolve) => setTimeout(resolve, 500))
    await expect(fetch(`${own.url}/healthz`)).rejects.toThrow()
    socket.write(body.slice(10))
    await closed
    const response = Buffer.concat(received).toString()
    expect(response).toMatch(/^HTTP\/1\.1 200 /)
    expect(response).toContain('"valid":true')
    const exit = await stopping
    expect(exit.code).toBe(0)
    expect(exit.ms).toBeLessThan(10_000)
    expect(own.logLines().at(-1)).toMatchObject({msg: 'stopped'})
  })

  it('SIGTERM with a request that never finishes: its connection is closed after the drain, exit 0 within 10 s', async () => {
    const own = await startServe(['--request-timeout', '60s'], {store: dir.storePath})
    const stuck = rawRequest(own.url, 'POST /v1/tokens/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"tok', 20_000)
    await new Promise((resolve) => setTimeout(resolve, 300))
    const exit = await own.stop()
    expect(exit.code).toBe(0)
    expect(exit.ms).toBeLessThan(10_000)
    expect((await stuck).closed).toBe(true)
  })

  it('bad --listen values and a bad --request-timeout are exit 2 with a clear message', async () => {
    for (const listen of ['8181', 'localhost', '127.0.0.1:99999', '127.0.0.1:http', 'http://127.0.0.1:8181', ':8181', '[zz]:8181', '1.2.3:80', 'a b:80']) {
      const result = await runCli(['serve', '--listen', listen], {store: dir.storePath})
      expect({listen, code: result.code}).toEqual({listen, code: 2})
      expect(result.stderr).toContain('--listen')
      expectNoStackTrace(result)
    }

    const timeout = await runCli(['serve', '--request-timeout', 'soon'], {store: dir.storePath})
    expect(timeout.code).toBe(2)
    expectNoStackTrace(timeout)

    const asJson = await runCli(['serve', '--listen', 'nowhere', '--json'], {store: dir.storePath})
    expect(asJson.code).toBe(2)
    expect(JSON.parse(asJson.stdout)).toMatchObject({error: {code: 'invalid_input', exitCode: 2, message: expect.stringContaining('--listen')}})
  })

  it('an address in use is exit 2; a missing store is exit 6 and is not created', async () => {
    const port = new URL(server.url).port
    const taken = await runCli(['serve', '--listen', `127.0.0.1:${port}`], {store: dir.storePath})
    expect(taken.code).toBe(2)
    expect(taken.stderr).toContain('already in use')
    expectNoStackTrace(taken)

    const missing = `${dir.path}/nothing-here.db`
    const result = await runCli(['serve'], {store: missing})
    expect(result.code).toBe(6)
    expect(result.stderr).toMatch(/cannot open the store/)
    expectNoStackTrace(result)
    const {existsSync} = await import('node:fs')
    expect(existsSync(missing)).toBe(false)
  })
})
