import {type ChildProcess, spawn} from 'node:child_process'
import {connect} from 'node:net'

import {cliCommand, PROJECT_ROOT} from './cli.js'

export interface ServeOptions {
  store: string
  env?: Record<string, string | undefined>
  /** Run as this uid/gid (the test must be root), e.g. to meet a folder it may not write. */
  user?: {uid: number; gid: number}
  /** The program to run instead of cliCommand()'s, and its working folder: for another user, see other-user.ts. */
  program?: {file: string; prefix: string[]; cwd: string}
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Milliseconds from stop() to the process's exit. */
  ms: number
}

export interface RunningServe {
  url: string
  child: ChildProcess
  /** Everything printed on stderr so far. */
  stderr(): string
  /** Everything printed on stdout so far. */
  stdout(): string
  /** The JSON lines printed on stderr so far. */
  logLines(): Array<Record<string, unknown>>
  /** Sends the signal (SIGTERM by default) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>
  exited: Promise<Exit>
}

/** Starts `accessctl serve` on a free loopback port and resolves once it logs that it listens. */
export function startServe(args: string[], options: ServeOptions): Promise<RunningServe> {
  const {file, prefix} = options.program ?? cliCommand()
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', ACCESSCTL_STORE: options.store, ...options.env}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key]
  const child = spawn(file, [...prefix, 'serve', '--listen', '127.0.0.1:0', ...args], {
    env,
    cwd: options.program?.cwd ?? PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user ?? {}),
  })
  let stderr = ''
  let stdout = ''
  let stopAsked = 0
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => resolve({code, signal, ms: stopAsked ? Date.now() - stopAsked : 0}))
  })
  const logLines = () =>
    stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve did not start within 30 s:\n${stderr}`))
    }, 30_000)
    const onData = () => {
      const listening = logLines().find((line) => line.msg === 'listening')
      if (!listening) return
      clearTimeout(timer)
      child.stderr!.off('data', onData)
      resolve({
        url: String(listening.url),
        child,
        stderr: () => stderr,
        stdout: () => stdout,
        logLines,
        exited,
        stop: (signal = 'SIGTERM') => {
          stopAsked = Date.now()
          child.kill(signal)
          return exited
        },
      })
    }

    child.stderr!.on('data', onData)
    void exited.then((exit) => {
      clearTimeout(timer)
      reject(new Error(`serve exited (${exit.code ?? exit.signal}) before listening:\n${stderr}`))
    })
  })
}

export interface RawResponse {
  status: number
  headers: string
  body: string
}

/**
 * Writes `request` on a fresh connection and reads until the server closes it (or `waitMs` passes): for what fetch
 * will not send, such as oversized headers or a request that never finishes.
 */
export function rawRequest(url: string, request: string | Buffer, waitMs = 15_000): Promise<RawResponse & {closed: boolean; ms: number}> {
  const {hostname, port} = new URL(url)
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const socket = connect({host: hostname, port: Number(port)})
    const chunks: Buffer[] = []
    let closed = false
    const finish = () => {
      clearTimeout(timer)
      const text = Buffer.concat(chunks).toString()
      const [head, ...rest] = text.split('\r\n\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)
      resolve({status, headers: head, body: rest.join('\r\n\r\n'), closed, ms: Date.now() - started})
    }

    const timer = setTimeout(() => {
      socket.destroy()
      finish()
    }, waitMs)
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return
      clearTimeout(timer)
      reject(error)
    })
    socket.on('close', () => {
      closed = true
      finish()
    })
    socket.write(request)
  })
}

/** A request on a fresh connection that the server is asked to close after answering, parsed: the body as JSON. */
export async function rawJson(url: string, request: string | Buffer, waitMs = 15_000): Promise<RawResponse & {json: unknown; raw: string}> {
  const answer = await rawRequest(url, request, waitMs)
  return {...answer, raw: `${answer.headers}\r\n\r\n${answer.body}`, json: answer.body === '' ? undefined : JSON.parse(answer.body)}
}

/** The value of one header in the head of a raw response, or undefined. */
export function rawHeader(head: string, name: string): string | undefined {
  const line = head.split('\r\n').find((candidate) => candidate.toLowerCase().startsWith(`${name.toLowerCase()}:`))
  return line?.slice(name.length + 1).trim()
}

/**
 * GET /metrics, parsed: the value of every sample, keyed by its name and labels as printed
 * (`accessctl_decisions_total{endpoint="authorize",outcome="admitted"}`).
 */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const samples = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    samples.set(line.slice(0, at), Number(line.slice(at + 1)))
  }

  return samples
}

/** How many answers had this status, over every endpoint (the count of the request-duration histogram). */
export function answeredWithStatus(samples: Map<string, number>, status: number): number {
  let total = 0
  for (const [key, value] of samples) {
    if (key.startsWith('accessctl_http_request_duration_seconds_count{') && key.includes(`status="${status}"`)) total += value
  }

  return total
}

/** Waits (up to 5 s) for an access log line after the first `since` lines that matches, and returns it. */
export async function awaitLogLine(
  server: RunningServe,
  since: number,
  matches: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000
  for (;;) {
    const line = server.logLines().slice(since).find(matches)
    if (line) return line
    if (Date.now() > deadline) throw new Error(`no access log line matched after line ${since}:\n${server.logLines().slice(since).map((l) => JSON.stringify(l)).join('\n')}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
