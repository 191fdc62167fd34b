import {spawn} from 'node:child_process'
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {connect, type Socket} from 'node:net'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {cliCommand, expectNoStackTrace, PROJECT_ROOT, runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {type RunningServe, scrapeMetrics, startServe} from '../../helpers/serve.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../../helpers/serve-fixture.js'

/**
 * `accessctl serve --workers N` as real processes over real HTTP: one port, N worker processes, metrics summed over
 * them, one whole access log line per request, readiness of every worker, a worker killed and replaced, and a stop
 * that drains every worker. Runs against the executable too (npm run test:binary).
 */

let dir: TempDir
let fixture: ServeFixture

beforeAll(async () => {
  dir = tempDir()
  fixture = await buildServeFixture(dir.storePath)
}, 120_000)

afterAll(() => dir.cleanup())

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits (up to `ms`) for a log line after the first `since` that matches, and returns it. */
async function logLine(server: RunningServe, matches: (line: Record<string, unknown>) => boolean, since = 0, ms = 30_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const line = server.logLines().slice(since).find(matches)
    if (line) return line
    if (Date.now() > deadline) throw new Error(`no log line matched within ${ms} ms:\n${server.stderr()}`)
    await sleep(20)
  }
}

/** `serve --workers N`, resolved once every worker listens (the `ready` line). */
async function startWorkers(workers: number | 'auto', args: string[] = []): Promise<RunningServe & {workerPids: () => number[]}> {
  const server = await startServe(['--workers', String(workers), ...args], {store: dir.storePath})
  await logLine(server, (line) => line.msg === 'ready')
  /** The pid of each worker now running, by slot: the last one started in each. */
  const workerPids = () => {
    const bySlot = new Map<number, number>()
    for (const line of server.logLines()) if (line.msg === 'worker started') bySlot.set(Number(line.worker), Number(line.pid))
    return [...bySlot.values()]
  }

  return {...server, workerPids}
}

/** `count` requests, `concurrency` at a time, each on the connection pool of fetch: their statuses. */
async function load(url: string, count: number, concurrency: number, init: RequestInit): Promise<number[]> {
  const statuses: number[] = []
  let next = 0
  const client = async () => {
    while (next < count) {
      next++
      const response = await fetch(url, init)
      await response.arrayBuffer()
      statuses.push(response.status)
    }
  }

  await Promise.all(Array.from({length: concurrency}, client))
  return statuses
}

const authorizeUrl = (server: RunningServe) => `${server.url}/v1/deployments/${DEPLOYMENTS.inherit}/authorize`

/**
 * Which of `pids` hold the server's side of these clients' TCP connections to `port`, from /proc: pid to count.
 * This is who answers a connection, whatever the answer says.
 */
function connectionOwners(port: number, clients: Socket[], pids: number[]): Map<number, number> {
  const clientPorts = new Set(clients.map((socket) => socket.localPort))
  const inodes = new Set<string>()
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 10) continue
    const [localPort, remotePort] = [fields[1], fields[2]].map((address) => Number.parseInt(address.split(':')[1], 16))
    if (localPort === port && clientPorts.has(remotePort) && fields[3] === '01') inodes.add(fields[9])
  }

  const owners = new Map<number, number>()
  for (const pid of pids) {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target: string
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue
      }

      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
      if (inode && inodes.has(inode)) owners.set(pid, (owners.get(pid) ?? 0) + 1)
    }
  }

  return owners
}

/** A connection that sent a POST's headers and half its body: a request in flight until `finish`. */
async function requestInFlight(url: string, token: string): Promise<{socket: Socket; finish: () => void; answer: Promise<string>}> {
  const {hostname, port} = new URL(url)
  const body = JSON.stringify({token})
  const socket: Socket = connect({host: hostname, port: Number(port)})
  const received: Buffer[] = []
  socket.on('data', (chunk) => received.push(chunk))
  const answer = new Promise<string>((resolve) => socket.on('close', () => resolve(Buffer.concat(received).toString())))
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write(`POST /v1/tokens/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
  socket.write(body.slice(0, 10))
  return {socket, finish: () => socket.write(body.slice(10)), answer}
}

describe('serve --workers 2', () => {
  let server: Awaited<ReturnType<typeof startWorkers>>
  beforeAll(async () => {
    server = await startWorkers(2)
  }, 60_000)
  afterAll(async () => {
    if (server.child.exitCode === null) await server.stop()
  })

  it('answers on one port from two worker processes, neither of them the primary', async () => {
    const [first, second] = server.workerPids()
    expect(new Set([first, second, server.child.pid]).size).toBe(3)
    const port = Number(new URL(server.url).port)
    // Kept-alive connections, opened one after the other: the primary hands each to the next worker in turn.
    const sockets: Socket[] = []
    try {
      for (let i = 0; i < 4; i++) {
        const socket = connect({host: '127.0.0.1', port})
        sockets.push(socket)
        const answered = new Promise<string>((resolve) => socket.once('data', (chunk) => resolve(chunk.toString())))
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
        expect(await answered).toMatch(/^HTTP\/1\.1 200 /)
      }

      const owners = connectionOwners(port, sockets, [server.child.pid!, first, second])
      expect([...owners.keys()].sort()).toEqual([first, second].sort())
      expect(owners.get(first)! + owners.get(second)!).toBe(4)
    } finally {
      for (const socket of sockets) socket.destroy()
    }
  })

  it('/metrics sums the decisions and durations of every worker, and keeps each process\'s own metrics apart', async () => {
    const before = await scrapeMetrics(server.url)
    const admitted = 'accessctl_decisions_total{endpoint="authorize",outcome="admitted"}'
    const sent = 300
    const statuses = await load(authorizeUrl(server), sent, 20, {headers: {'x-api-key': fixture.serviceKey.key}})
    expect(statuses.filter((status) => status === 200)).toHaveLength(sent)

    const after = await scrapeMetrics(server.url)
    expect((after.get(admitted) ?? 0) - (before.get(admitted) ?? 0)).toBe(sent)
    const durations = 'accessctl_http_request_duration_seconds_count{endpoint="authorize",status="200"}'
    expect((after.get(durations) ?? 0) - (before.get(durations) ?? 0)).toBe(sent)
    for (const process of ['primary', 'worker-1', 'worker-2']) {
      expect(after.get(`accessctl_process_resident_memory_bytes{process="${process}"}`)).toBeGreaterThan(0)
      expect(after.get(`accessctl_process_start_time_seconds{process="${process}"}`)).toBeGreaterThan(0)
    }

    // Unlabelled, two processes' figures would have been added up into one.
    expect([...after.keys()].some((key) => key.startsWith('accessctl_process_resident_memory_bytes '))).toBe(false)
  })

  it('writes exactly one whole JSON line per request, never two workers\' lines mixed, under concurrent load', async () => {
    const start = server.stderr().length
    const sent = 2000
    // 50 at a time: each worker writes many lines per turn of its event loop while the other writes its own, to the
    // one pipe this test reads their stderr from.
    const statuses = await load(`${server.url}/v1/deployments/no-such-deployment/authorize`, sent, 50, {headers: {'x-api-key': fixture.serviceKey.key}})
    expect(statuses.every((status) => status === 404)).toBe(true)
    const logged = () => server.stderr().slice(start).split('\n').filter((line) => line.includes('"no-such-deployment"') || line.includes('/v1/deployments/:id/authorize'))
    for (let waited = 0; logged().length < sent && waited < 5000; waited += 50) await sleep(50)
    await sleep(300)

    // Every line is one JSON object: two lines mixed, or one cut by another's bytes, would not parse.
    const lines = server.stderr().slice(start).split('\n').filter((line) => line !== '')
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    const requests = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.route === '/v1/deployments/:id/authorize')
    expect(requests).toHaveLength(sent)
    expect(requests.every((line) => line.status === 404 && line.outcome === 'not_found')).toBe(true)
  })

  it('keeps every line whole when stderr is a full pipe: the workers wait for the reader, then go on', async () => {
    const start = server.stderr().length
    const sent = 1500
    // The test stops reading the workers' stderr: the pipe (64 KiB) fills within a few hundred lines, and each
    // worker's next write must wait, or fail with EAGAIN and be written again, whole.
    server.child.stderr!.pause()
    const answered = load(`${server.url}/v1/deployments/no-such-deployment/authorize`, sent, 50, {headers: {'x-api-key': fixture.serviceKey.key}})
    await sleep(1500)
    server.child.stderr!.resume()
    expect((await answered).every((status) => status === 404)).toBe(true)
    const logged = () => server.stderr().slice(start).split('\n').filter((line) => line.includes('/v1/deployments/:id/authorize'))
    for (let waited = 0; logged().length < sent && waited < 5000; waited += 50) await sleep(50)
    const lines = server.stderr().slice(start).split('\n').filter((line) => line !== '')
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow()
    expect(lines.filter((line) => line.includes('/v1/deployments/:id/authorize'))).toHaveLength(sent)
  })

  it('keeps each worker\'s young generation small under load (its own V8 limits, set by serve)', async () => {
    await load(authorizeUrl(server), 2000, 50, {headers: {authorization: `Bearer ${fixture.consumeToken}`}})
    const metrics = await scrapeMetrics(server.url)
    for (const worker of ['worker-1', 'worker-2']) {
      // V8 would grow it to 32 MiB or more (16 MiB semi-spaces) on this machine; serve starts workers with 2 MiB ones.
      expect(metrics.get(`accessctl_nodejs_heap_space_size_total_bytes{space="new",process="${worker}"}`)).toBeLessThanOrEqual(4 * 1024 * 1024)
    }
  })

  it('logs a worker killed with SIGKILL, answers from the other, is not ready until its replacement listens', async () => {
    const since = server.logLines().length
    const [victim] = server.workerPids()
    process.kill(victim, 'SIGKILL')
    const exited = await logLine(server, (line) => line.msg === 'worker exited', since)
    expect(exited).toMatchObject({worker: 1, pid: victim, signal: 'SIGKILL', restartInMs: expect.any(Number)})

    // The replacement takes some hundreds of ms to start: meanwhile the port answers, and /readyz says not ready.
    const readiness: number[] = []
    while (!server.logLines().slice(since).some((line) => line.msg === 'ready')) {
      const answer = await fetch(`${server.url}/readyz`)
      readiness.push(answer.status)
      if (answer.status === 503) {
        expect(answer.headers.get('retry-after')).toBe('1')
        expect(await answer.json()).toEqual({error: {code: 'not_ready', message: 'not every worker is ready yet'}})
      } else {
        await answer.arrayBuffer()
      }

      expect((await fetch(authorizeUrl(server), {headers: {'x-api-key': fixture.serviceKey.key}})).status).toBe(200)
      await sleep(20)
    }

    expect(readiness).toContain(503)
    const started = server.logLines().slice(since).find((line) => line.msg === 'worker started')
    expect(started).toMatchObject({worker: 1})
    expect(started!.pid).not.toBe(victim)
    expect(server.workerPids()).toContain(started!.pid)
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
  })
})

describe('readiness at start', () => {
  /**
   * Starts `serve --workers 2` and stops worker 2 (SIGSTOP) as soon as it is started: it takes a few hundred ms to
   * load before it could listen, so the port is worker 1's alone. Resolves false in the rare run where worker 2 was
   * listening before the signal reached it (the `ready` line then comes while it is stopped).
   */
  async function withSecondWorkerStopped(): Promise<boolean> {
    const {file, prefix} = cliCommand()
    const child = spawn(file, [...prefix, 'serve', '--workers', '2', '--listen', '127.0.0.1:0'], {
      env: {...process.env, ACCESSCTL_STORE: dir.storePath, NO_COLOR: '1'},
      cwd: PROJECT_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    const lines = () => stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
    const logged = (msg: string) => lines().some((line) => line.msg === msg)
    let stopped: number | undefined
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      const second = lines().find((line) => line.msg === 'worker started' && line.worker === 2)
      if (second && stopped === undefined) {
        stopped = Number(second.pid)
        process.kill(stopped, 'SIGSTOP')
      }
    })
    try {
      const deadline = Date.now() + 30_000
      while (!logged('listening') && Date.now() < deadline) await sleep(20)
      const listening = lines().find((line) => line.msg === 'listening')
      expect(listening, stderr).toBeDefined()
      await sleep(200)
      if (logged('ready')) return false
      const url = String(listening!.url)
      for (let i = 0; i < 3; i++) {
        const answer = await fetch(`${url}/readyz`)
        expect(answer.status).toBe(503)
        expect(await answer.json()).toMatchObject({error: {code: 'not_ready'}})
      }

      expect((await fetch(`${url}/healthz`)).status).toBe(200)
      process.kill(stopped!, 'SIGCONT')
      while (!logged('ready') && Date.now() < deadline) await sleep(20)
      expect((await fetch(`${url}/readyz`)).status).toBe(200)
      return true
    } finally {
      if (stopped !== undefined) process.kill(stopped, 'SIGCONT')
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      await exited
    }
  }

  it('/readyz is 503 while a worker has not started listening, and 200 once every worker has', async () => {
    let tested = false
    for (let attempt = 0; attempt < 3 && !tested; attempt++) tested = await withSecondWorkerStopped()
    expect(tested).toBe(true)
  })
})

describe('stop', () => {
  it('SIGTERM has every worker finish its requests in flight, then exits 0 within 10 s, the summary summed', async () => {
    const server = await startWorkers(2, ['--json'])
    const port = Number(new URL(server.url).port)
    const answered = await load(authorizeUrl(server), 10, 5, {headers: {'x-api-key': fixture.serviceKey.key}})
    expect(answered.every((status) => status === 200)).toBe(true)
    const inFlight = []
    for (let i = 0; i < 4; i++) {
      inFlight.push(await requestInFlight(server.url, fixture.consumeToken))
      await sleep(50)
    }

    // Both workers hold requests in flight.
    await sleep(200)
    const owners = connectionOwners(
      port,
      inFlight.map((request) => request.socket),
      server.workerPids(),
    )
    expect(owners.size).toBe(2)

    const stopping = server.stop()
    await sleep(500)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    for (const request of inFlight) request.finish()
    for (const request of inFlight) {
      const response = await request.answer
      expect(response).toMatch(/^HTTP\/1\.1 200 /)
      expect(response).toContain('"valid":true')
    }

    const exit = await stopping
    expect(exit.code).toBe(0)
    expect(exit.ms).toBeLessThan(10_000)
    expect(server.logLines().at(-1)).toMatchObject({msg: 'stopped', requests: 14})
    expect(JSON.parse(server.stdout())).toEqual({url: server.url, store: dir.storePath, signal: 'SIGTERM', requests: 14})
  })

  it('SIGTERM with a request that never finishes: the drain ends it, exit 0 within 10 s', async () => {
    const server = await startWorkers(2, ['--request-timeout', '60s'])
    const stuck = await requestInFlight(server.url, fixture.consumeToken)
    await sleep(200)
    const exit = await server.stop()
    expect(exit.code).toBe(0)
    expect(exit.ms).toBeLessThan(10_000)
    expect(await stuck.answer).toBe('')
  })
})

describe('--workers values', () => {
  it('0, 65, -1, 1.5, abc and an empty value are exit 2 with a clear message, no process started', async () => {
    const empty = await runCli(['serve', '--workers', ''], {store: dir.storePath})
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('--workers is empty')
    for (const value of ['0', '65', '-1', '1.5', 'abc', 'auto2']) {
      const result = await runCli(['serve', '--workers', value, '--listen', '127.0.0.1:0'], {store: dir.storePath})
      expect({value, code: result.code}).toEqual({value, code: 2})
      expect(result.stderr).toContain(`--workers must be a whole number from 1 to 64, or auto, not '${value}'`)
      expect(result.stderr).not.toContain('worker started')
      expectNoStackTrace(result)
    }

    const asJson = await runCli(['serve', '--workers', 'abc', '--json'], {store: dir.storePath})
    expect(JSON.parse(asJson.stdout)).toMatchObject({error: {code: 'invalid_input', exitCode: 2, message: expect.stringContaining('--workers')}})
  })

  it('auto starts one worker per core and stops on SIGINT; 1 is the single process of old, with no worker', async () => {
    const auto = await startWorkers('auto')
    // SIGINT (Ctrl-C) stops the workers as SIGTERM does.
    expect((await auto.stop('SIGINT')).code).toBe(0)
    expect(auto.logLines().find((line) => line.msg === 'listening')).toMatchObject({workers: (await import('node:os')).availableParallelism()})
    expect(auto.logLines().slice(-2)).toMatchObject([{msg: 'stopping', signal: 'SIGINT'}, {msg: 'stopped'}])

    const single = await startServe(['--workers', '1'], {store: dir.storePath})
    await single.stop()
    expect(single.logLines().map((line) => line.msg)).toEqual(['listening', 'stopping', 'stopped'])
  })

  it('an address in use is exit 2 as for a single process, and no worker is left behind', async () => {
    const holder = await startServe([], {store: dir.storePath})
    try {
      const result = await runCli(['serve', '--workers', '2', '--listen', holder.url.replace('http://', '')], {store: dir.storePath})
      expect(result.code).toBe(2)
      expect(result.stderr).toContain('already in use')
      expectNoStackTrace(result)
      const started = result.stderr
        .split('\n')
        .filter((line) => line.includes('"worker started"'))
        .map((line) => Number((JSON.parse(line) as {pid: number}).pid))
      for (const pid of started) expect(() => process.kill(pid, 0)).toThrow()
    } finally {
      await holder.stop()
    }
  })

  it('a missing store is exit 6 before any worker starts', async () => {
    const result = await runCli(['serve', '--workers', '2'], {store: `${dir.path}/nothing-here.db`})
    expect(result.code).toBe(6)
    expect(result.stderr).not.toContain('worker started')
  })
})
