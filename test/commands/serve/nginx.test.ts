import {chmodSync, writeFileSync} from 'node:fs'
import type {Server} from 'node:http'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {docsBlock, findProgram, freePort, type Gateway, nginxConfig, startEchoApi, startGateway, substitute, through as throughGateway} from '../../helpers/gateway.js'
import {type RunningServe, startServe} from '../../helpers/serve.js'
import {buildServeFixture, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * A real gateway: Debian's nginx (nginx-light has auth_request) in front of a small upstream, with `accessctl serve`
 * as its auth service, configured by the nginx block of docs/serve.md. CI installs nginx (.ci/run), so there this
 * test never skips; elsewhere it skips when nginx is not installed.
 */

const NGINX = findProgram('nginx', ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'], 'apt-get install -y nginx-light')

/** docs/serve.md's nginx block, with this test's ports. */
function readmeNginxConfig(ports: {serve: number; upstream: number; nginx: number}): string {
  return substitute(docsBlock('nginx `auth_request`', 'nginx'), 'nginx block', [
    ['server 127.0.0.1:8181;', `server 127.0.0.1:${ports.serve};`],
    ['server 127.0.0.1:9000;', `server 127.0.0.1:${ports.upstream};`],
    ['listen 8080;', `listen 127.0.0.1:${ports.nginx};`],
  ])
}

describe.skipIf(!NGINX)('nginx auth_request in front of an API, with accessctl serve deciding', () => {
  let dir: TempDir
  let fixture: ServeFixture
  let serve: RunningServe
  let api: {server: Server; port: number}
  let nginx: Gateway
  let gateway: string

  beforeAll(async () => {
    dir = tempDir('accessctl-nginx-')
    fixture = await buildServeFixture(dir.storePath)
    serve = await startServe(['--quiet'], {store: dir.storePath})
    api = await startEchoApi()
    const ports = {serve: Number(new URL(serve.url).port), upstream: api.port, nginx: await freePort()}
    // nginx's workers run as nobody: they may read (not write) the prefix.
    chmodSync(dir.path, 0o755)
    writeFileSync(join(dir.path, 'nginx.conf'), nginxConfig(dir.path, readmeNginxConfig(ports)))
    nginx = await startGateway(NGINX!, ['-p', dir.path, '-c', 'nginx.conf', '-e', join(dir.path, 'error.log'), '-g', 'daemon off;'], {
      port: ports.nginx,
      logFiles: [join(dir.path, 'error.log')],
    })
    gateway = `http://127.0.0.1:${ports.nginx}`
  }, 180_000)

  afterAll(async () => {
    // SIGQUIT: nginx's graceful stop.
    await nginx?.stop('SIGQUIT')
    await new Promise((resolve) => api?.server.close(resolve))
    if (serve && serve.child.exitCode === null) expect((await serve.stop()).code).toBe(0)
    dir?.cleanup()
  })

  const through = (path: string, headers: Record<string, string> = {}) => throughGateway(gateway, path, headers)

  it('no key: 401 with WWW-Authenticate, and the API is never reached', async () => {
    const answer = await through('/churn/prod/predict')
    expect(answer.status).toBe(401)
    expect(answer.body.reached).toBeUndefined()
    expect(answer.wwwAuthenticate).toBe('Bearer realm="accessctl"')
  })

  it("a valid service key reaches the API, which learns which key it was; a client's own X-Accessctl-* headers do not", async () => {
    const answer = await through('/churn/prod/predict?x=1', {'x-api-key': fixture.serviceKey.key, 'x-accessctl-account': 'forged'})
    expect(answer.status).toBe(200)
    expect(answer.body).toEqual({
      reached: '/churn/prod/predict?x=1',
      headers: {'x-accessctl-via': 'service-key', 'x-accessctl-key-id': fixture.serviceKey.id},
    })
    const bearer = await through('/churn/prod/predict', {authorization: `Bearer ${fixture.serviceKey.key}`})
    expect(bearer.status).toBe(200)
  })

  it('the same key right after `service keys delete` is a 401', async () => {
    const extra = await runJson<{id: string; key: string}>(['service', 'keys', 'create', 'churn', '--label', 'to delete'], {store: dir.storePath})
    expect((await through('/churn/prod/predict', {'x-api-key': extra.json.key})).status).toBe(200)
    expect((await runCli(['service', 'keys', 'delete', 'churn', extra.json.id, '--yes'], {store: dir.storePath})).code).toBe(0)
    const after = await through('/churn/prod/predict', {'x-api-key': extra.json.key})
    expect(after.status).toBe(401)
    expect(after.body.reached).toBeUndefined()
  })

  it("a deployment in api-keys mode refuses the service's key and admits its own", async () => {
    expect((await through('/churn/dev/predict', {'x-api-key': fixture.serviceKey.key})).status).toBe(401)
    const own = await through('/churn/dev/predict', {'x-api-key': fixture.deploymentKey.key})
    expect(own.status).toBe(200)
    expect(own.body.headers).toEqual({'x-accessctl-via': 'deployment-key', 'x-accessctl-key-id': fixture.deploymentKey.id})
  })

  it('a disabled deployment is a 403, whatever the credential', async () => {
    expect((await through('/churn/test/predict')).status).toBe(403)
    expect((await through('/churn/test/predict', {'x-api-key': fixture.serviceKey.key})).status).toBe(403)
    expect((await through('/churn/test/predict', {authorization: `Bearer ${fixture.consumeToken}`})).status).toBe(403)
  })

  it('a bearer token with consume on deployments is admitted, and the API learns its account', async () => {
    const answer = await through('/churn/prod/predict', {authorization: `Bearer ${fixture.consumeToken}`})
    expect(answer.status).toBe(200)
    expect(answer.body.headers).toEqual({'x-accessctl-via': 'token', 'x-accessctl-account': fixture.aliceId})
    expect((await through('/churn/prod/predict', {authorization: `Bearer ${fixture.getToken}`})).status).toBe(403)
    expect((await through('/churn/prod/predict', {authorization: 'Bearer not.a.token'})).status).toBe(401)
  })

  it('a path that names no deployment fails closed (500 from nginx, nothing reaches the API)', async () => {
    const answer = await through('/other/thing', {'x-api-key': fixture.serviceKey.key})
    expect(answer.status).toBe(500)
    expect(answer.body.reached).toBeUndefined()
  })
})
