import {type ChildProcess, spawn} from 'node:child_process'
import {chmodSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {connect, createServer as createTcpServer} from 'node:net'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {type RunningServe, startServe} from '../../helpers/serve.js'
import {buildServeFixture, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * A real gateway: Debian's nginx (nginx-light has auth_request) in front of a small upstream, with `accessctl serve`
 * as its auth service, configured by the nginx block of the README. CI installs nginx (.ci/run), so there this
 * test never skips; elsewhere it skips when nginx is not installed.
 */

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx'].find((path) => existsSync(path))
if (!NGINX && process.env.CI) throw new Error('nginx is not installed, and CI must run the gateway test: apt-get install -y nginx-light')

/** The README's nginx block, with this test's ports. */
function readmeNginxConfig(ports: {serve: number; upstream: number; nginx: number}): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')
  const block = /### nginx `auth_request`[\s\S]*?```nginx\n([\s\S]*?)```/.exec(readme)?.[1]
  if (!block) throw new Error('README.md has no nginx block under "### nginx `auth_request`"')
  for (const expected of ['server 127.0.0.1:8181;', 'server 127.0.0.1:9000;', 'listen 8080;']) {
    if (!block.includes(expected)) throw new Error(`the README's nginx block no longer has '${expected}'`)
  }

  return block
    .replace('server 127.0.0.1:8181;', `server 127.0.0.1:${ports.serve};`)
    .replace('server 127.0.0.1:9000;', `server 127.0.0.1:${ports.upstream};`)
    .replace('listen 8080;', `listen 127.0.0.1:${ports.nginx};`)
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as {port: number}
      probe.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nginx exited ${child.exitCode}:\n${log()}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({host: '127.0.0.1', port})
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  throw new Error(`nginx did not listen on ${port}:\n${log()}`)
}

describe.skipIf(!NGINX)('nginx auth_request in front of an API, with accessctl serve deciding', () => {
  let dir: TempDir
  let fixture: ServeFixture
  let serve: RunningServe
  let upstream: Server
  let nginx: ChildProcess
  let gateway: string
  let nginxLog = ''

  beforeAll(async () => {
    dir = tempDir('accessctl-nginx-')
    fixture = await buildServeFixture(dir.storePath)
    serve = await startServe(['--quiet'], {store: dir.storePath})
    // The API: echoes what reached it, so the test sees what nginx let through and with which headers.
    upstream = createServer((request, response) => {
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.startsWith('x-accessctl-')))
      response.writeHead(200, {'content-type': 'application/json'})
      response.end(JSON.stringify({reached: request.url, headers}))
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const ports = {serve: Number(new URL(serve.url).port), upstream: (upstream.address() as {port: number}).port, nginx: await freePort()}
    // nginx's workers run as nobody: they may read (not write) the prefix.
    chmodSync(dir.path, 0o755)
    writeFileSync(
      join(dir.path, 'nginx.conf'),
      `worker_processes 1;\npid ${dir.path}/nginx.pid;\nerror_log ${dir.path}/error.log warn;\nevents { worker_connections 64; }\n` +
        `http {\n  access_log off;\n` +
        ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((temp) => `  ${temp}_temp_path ${dir.path}/${temp}-temp;\n`).join('') +
        `${readmeNginxConfig(ports)}}\n`,
    )
    nginx = spawn(NGINX!, ['-p', dir.path, '-c', 'nginx.conf', '-e', join(dir.path, 'error.log'), '-g', 'daemon off;'], {stdio: ['ignore', 'pipe', 'pipe']})
    nginx.stdout!.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()))
    nginx.stderr!.on('data', (chunk: Buffer) => (nginxLog += chunk.toString()))
    const errorLog = () => `${nginxLog}${existsSync(join(dir.path, 'error.log')) ? readFileSync(join(dir.path, 'error.log'), 'utf8') : ''}`
    await waitForPort(ports.nginx, nginx, errorLog)
    gateway = `http://127.0.0.1:${ports.nginx}`
  }, 180_000)

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((resolve) => nginx.once('exit', resolve))
      nginx.kill('SIGQUIT')
      await exited
    }

    await new Promise((resolve) => upstream?.close(resolve))
    if (serve && serve.child.exitCode === null) expect((await serve.stop()).code).toBe(0)
    dir?.cleanup()
  })

  const through = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gateway}${path}`, {headers})
    const text = await response.text()
    let body: {reached?: string; headers?: Record<string, string>} = {}
    try {
      body = JSON.parse(text)
    } catch {
      // nginx's own error pages are HTML.
    }

    return {status: response.status, body, wwwAuthenticate: response.headers.get('www-authenticate')}
  }

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
