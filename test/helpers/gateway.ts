import {type ChildProcess, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {connect, createServer as createTcpServer} from 'node:net'
import {join} from 'node:path'

import {PROJECT_ROOT} from './cli.js'

/**
 * What the tests of real gateways (nginx, Caddy, HAProxy in front of `accessctl serve`) share: finding the gateway's
 * program, the configuration blocks of docs/serve.md, free loopback ports, a small API to put behind the gateway, and running
 * the gateway's process until the test stops it.
 */

/**
 * The first of `paths` that exists. With CI set a missing program is an error rather than a skipped test: .ci/run
 * installs every gateway, so a skip there would hide a missing install step.
 */
export function findProgram(name: string, paths: string[], install: string): string | undefined {
  const found = paths.find((path) => existsSync(path))
  if (!found && process.env.CI) throw new Error(`${name} is not installed, and CI must run its test: ${install}`)
  return found
}

/** Where the gateway recipes are documented: the tests run the very blocks a reader copies. */
const SERVE_PAGE = 'docs/serve.md'

/** The body of the first ```LANGUAGE block after the heading `heading` (a whole line, without the #s) of docs/serve.md. */
export function docsBlock(heading: string, language: string): string {
  const readme = readFileSync(join(PROJECT_ROOT, SERVE_PAGE), 'utf8')
  const start = readme.split('\n').findIndex((line) => line.replace(/^#+\s*/, '') === heading && line.startsWith('#'))
  if (start === -1) throw new Error(`${SERVE_PAGE} has no heading "${heading}"`)
  const after = readme.split('\n').slice(start + 1).join('\n')
  const nextHeading = after.search(/^#{1,3} /m)
  const section = nextHeading === -1 ? after : after.slice(0, nextHeading)
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(section)?.[1]
  if (!block) throw new Error(`${SERVE_PAGE} has no \`\`\`${language} block under "${heading}"`)
  return block
}

/**
 * `text` with each `[from, to]` replaced once; throws when `from` is missing, so a documented recipe that changed its
 * addresses fails the test rather than silently testing other ones.
 */
export function substitute(text: string, what: string, replacements: Array<[string, string]>): string {
  let result = text
  for (const [from, to] of replacements) {
    if (!result.includes(from)) throw new Error(`${SERVE_PAGE}'s ${what} no longer has '${from}'`)
    result = result.replaceAll(from, to)
  }

  return result
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createTcpServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const {port} = probe.address() as {port: number}
      probe.close(() => resolve(port))
    })
  })
}

/**
 * The API behind the gateway: it answers 200 with what reached it (the path, and the X-Accessctl-* headers), so a
 * test sees what the gateway let through and with which headers.
 */
export async function startEchoApi(): Promise<{server: Server; port: number}> {
  const server = createServer((request, response) => {
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name.startsWith('x-accessctl-')))
    response.writeHead(200, {'content-type': 'application/json'})
    response.end(JSON.stringify({reached: request.url, headers}))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {server, port: (server.address() as {port: number}).port}
}

export interface Gateway {
  child: ChildProcess
  /** Everything it printed, and its log files. */
  log(): string
  /** Stops it with `signal` and waits for its exit (SIGKILL after 10 s). */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** Starts a gateway's process and resolves once it accepts connections on `port` (at most 15 s). */
export async function startGateway(
  file: string,
  args: string[],
  options: {port: number; env?: Record<string, string>; logFiles?: string[]},
): Promise<Gateway> {
  const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...options.env}})
  let printed = ''
  child.stdout!.on('data', (chunk: Buffer) => (printed += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (printed += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const log = () => printed + (options.logFiles ?? []).filter((path) => existsSync(path)).map((path) => readFileSync(path, 'utf8')).join('')
  const gateway: Gateway = {
    child,
    log,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill(signal)
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    },
  }

  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${file} exited ${child.exitCode}:\n${log()}`)
    if (await accepts(options.port)) return gateway
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  await gateway.stop('SIGKILL')
  throw new Error(`${file} did not listen on ${options.port} within 15 s:\n${log()}`)
}

function accepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect({host: '127.0.0.1', port})
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** A request through the gateway: its status, the API's echo if the request reached it, and WWW-Authenticate. */
export async function through(
  gateway: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{status: number; body: {reached?: string; headers?: Record<string, string>}; wwwAuthenticate: string | null}> {
  const response = await fetch(`${gateway}${path}`, {headers})
  const text = await response.text()
  let body: {reached?: string; headers?: Record<string, string>} = {}
  try {
    body = JSON.parse(text)
  } catch {
    // A gateway's own answers (error pages, an empty 401) are not JSON.
  }

  return {status: response.status, body, wwwAuthenticate: response.headers.get('www-authenticate')}
}

/**
 * A whole nginx configuration around `http` (upstream and server blocks) for an nginx that is not the system's: its
 * pid file, logs and temporary folders under `prefix`, one worker.
 */
export function nginxConfig(prefix: string, http: string): string {
  return (
    `worker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log warn;\nevents { worker_connections 256; }\n` +
    `http {\n  access_log off;\n` +
    ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((temp) => `  ${temp}_temp_path ${prefix}/${temp}-temp;\n`).join('') +
    `${http}}\n`
  )
}
