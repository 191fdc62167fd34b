import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {docsBlock, findProgram, freePort, type Gateway, startEchoApi, startGateway, substitute, through} from '../../helpers/gateway.js'
import {rawHeader, rawRequest, type RunningServe, startServe} from '../../helpers/serve.js'
import {buildServeFixture, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * A real gateway: Debian's HAProxy (2.6, with Lua) in front of a small upstream, asking `accessctl serve` from the
 * docs/serve.md's Lua action, configured by docs/serve.md's two HAProxy blocks. CI installs HAProxy (.ci/run), so there this
 * test fails rather than skips without it.
 */

const HAPROXY = findProgram('haproxy', ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy'], 'apt-get install -y haproxy')

describe.skipIf(!HAPROXY)('HAProxy with a Lua action in front of an API, with accessctl serve deciding', () => {
  let dir: TempDir
  let fixture: ServeFixture
  let serve: RunningServe
  let api: Awaited<ReturnType<typeof startEchoApi>>
  let haproxy: Gateway
  let gateway: string

  beforeAll(async () => {
    dir = tempDir('accessctl-haproxy-')
    fixture = await buildServeFixture(dir.storePath)
    serve = await startServe(['--quiet'], {store: dir.storePath})
    api = await startEchoApi()
    const ports = {serve: Number(new URL(serve.url).port), upstream: api.port, haproxy: await freePort()}
    const lua = join(dir.path, 'accessctl.lua')
    writeFileSync(lua, substitute(docsBlock('HAProxy', 'lua'), 'Lua action', [['http://127.0.0.1:8181/', `http://127.0.0.1:${ports.serve}/`]]))
    const config = substitute(docsBlock('HAProxy', 'haproxy'), 'HAProxy configuration', [
      ['lua-load /etc/haproxy/accessctl.lua', `lua-load ${lua}`],
      ['bind :8080', `bind 127.0.0.1:${ports.haproxy}`],
      ['server api 127.0.0.1:9000', `server api 127.0.0.1:${ports.upstream}`],
    ])
    writeFileSync(join(dir.path, 'haproxy.cfg'), config)
    // -db: in the foreground, logging to stderr.
    haproxy = await startGateway(HAPROXY!, ['-db', '-f', join(dir.path, 'haproxy.cfg')], {port: ports.haproxy})
    gateway = `http://127.0.0.1:${ports.haproxy}`
  }, 180_000)

  afterAll(async () => {
    await haproxy?.stop('SIGTERM')
    await new Promise((resolve) => api?.server.close(resolve))
    if (serve && serve.child.exitCode === null) expect((await serve.stop()).code).toBe(0)
    dir?.cleanup()
  })

  it("no key: a 401 with serve's WWW-Authenticate, and the API is never reached", async () => {
    const answer = await through(gateway, '/churn/prod/predict')
    expect(answer.status).toBe(401)
    expect(answer.wwwAuthenticate).toBe('Bearer realm="accessctl"')
    expect(answer.body.reached).toBeUndefined()
  })

  it("a service key reaches the API with the answer's X-Accessctl-* headers, and none the client sent", async () => {
    const forged = {'x-accessctl-account': 'forged', 'x-accessctl-other': 'forged'}
    const answer = await through(gateway, '/churn/prod/predict?x=1', {'x-api-key': fixture.serviceKey.key, ...forged})
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      reached: '/churn/prod/predict?x=1',
      headers: {'x-accessctl-via': 'service-key', 'x-accessctl-key-id': fixture.serviceKey.id, 'x-accessctl-deployment': 'churn-on-prod'},
    })
  })

  it('every occurrence of a credential header reaches serve, which refuses one sent twice', async () => {
    // fetch joins repeated headers into one, so the request is written by hand.
    const key = fixture.serviceKey.key
    const answer = await rawRequest(gateway, `GET /churn/prod/predict HTTP/1.1\r\nHost: api\r\nX-API-Key: ${key}\r\nX-API-Key: ${key}\r\nConnection: close\r\n\r\n`)
    expect(answer.status).toBe(401)
    expect(rawHeader(answer.headers, 'www-authenticate')).toBe('Bearer realm="accessctl", error="invalid_request"')
    expect(answer.body).not.toContain('reached')
  })

  it('a bearer token with consume reaches the API with its account and token id; a narrower one is a 403', async () => {
    const answer = await through(gateway, '/churn/prod/predict', {authorization: `Bearer ${fixture.consumeToken}`})
    expect(answer.status).toBe(200)
    expect(answer.body.headers).toMatchObject({'x-accessctl-via': 'token', 'x-accessctl-account': fixture.aliceId, 'x-accessctl-deployment': 'churn-on-prod'})
    expect(answer.body.headers!['x-accessctl-token-id']).toMatch(/^[0-9a-f]{32}$/)
    expect(answer.body.headers!['x-accessctl-key-id']).toBeUndefined()
    expect((await through(gateway, '/churn/prod/predict', {authorization: `Bearer ${fixture.getToken}`})).status).toBe(403)
    const invalid = await through(gateway, '/churn/prod/predict', {authorization: 'Bearer not.a.token'})
    expect(invalid.status).toBe(401)
    expect(invalid.wwwAuthenticate).toBe('Bearer realm="accessctl", error="invalid_token"')
  })

  it('the same key right after `service keys delete` is a 401', async () => {
    const extra = await runJson<{id: string; key: string}>(['service', 'keys', 'create', 'churn', '--label', 'to delete'], {store: dir.storePath})
    expect((await through(gateway, '/churn/prod/predict', {'x-api-key': extra.json.key})).status).toBe(200)
    expect((await runCli(['service', 'keys', 'delete', 'churn', extra.json.id, '--yes'], {store: dir.storePath})).code).toBe(0)
    expect((await through(gateway, '/churn/prod/predict', {'x-api-key': extra.json.key})).status).toBe(401)
  })

  it("a deployment in api-keys mode refuses the service's key and admits its own; a disabled one is a 403", async () => {
    expect((await through(gateway, '/churn/dev/predict', {'x-api-key': fixture.serviceKey.key})).status).toBe(401)
    const own = await through(gateway, '/churn/dev/predict', {'x-api-key': fixture.deploymentKey.key})
    expect(own.status).toBe(200)
    expect(own.body.headers).toMatchObject({'x-accessctl-via': 'deployment-key', 'x-accessctl-key-id': fixture.deploymentKey.id})
    expect((await through(gateway, '/churn/test/predict', {'x-api-key': fixture.serviceKey.key})).status).toBe(403)
  })

  it('a path that names no deployment reaches nothing (404 from HAProxy)', async () => {
    const answer = await through(gateway, '/other/thing', {'x-api-key': fixture.serviceKey.key})
    expect(answer.status).toBe(404)
    expect(answer.body.reached).toBeUndefined()
  })

  // Last: it stops serve.
  it('fails closed when serve does not answer: a 500, and the API is never reached', async () => {
    expect((await serve.stop()).code).toBe(0)
    const answer = await through(gateway, '/churn/prod/predict', {'x-api-key': fixture.serviceKey.key})
    expect(answer.status).toBe(500)
    expect(answer.body.reached).toBeUndefined()
  })
})
