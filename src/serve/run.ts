import {writeSync} from 'node:fs'
import {isIP} from 'node:net'

import type {ListenAddress} from '../core/listen-address.js'
import type {DecisionPoint} from '../domain/decision-point.js'
import type {AccessLogEntry, ClusterMembership} from './app.js'
import {limitHeapGrowth} from './memory.js'
import type {AccessctlErrorClass} from './problems.js'

export {serveCluster, serveWorker} from './cluster.js'

export interface ServeOptions {
  decisions: DecisionPoint
  /** The class of the errors `decisions` throws (see AppOptions.accessctlError). */
  accessctlError: AccessctlErrorClass
  listen: ListenAddress
  requestTimeoutMs: number
  quiet: boolean
  /** Where log lines go (stderr). */
  output?: NodeJS.WritableStream
  /** With --workers: this process is one worker of several (src/serve/cluster.ts); undefined in a single process. */
  worker?: WorkerRole
}

/** What a worker of `serve --workers N` is given by src/serve/cluster.ts. */
export interface WorkerRole {
  cluster: ClusterMembership
  /** Counts what this worker answered; the primary sums every worker's for the stop summary. */
  tally: {answered: number}
  /** Told the port once the worker listens. */
  onListening: (port: number) => void
  /** Resolves when the primary asks the worker to stop (its own SIGTERM or SIGINT stops it too). */
  stopRequested: Promise<NodeJS.Signals>
}

/** How long SIGTERM waits for requests in flight before closing their connections, so the exit comes within 10 s. */
export const DRAIN_MS = 7000

/**
 * Serves until SIGTERM or SIGINT, then stops accepting, lets requests in flight finish (at most DRAIN_MS) and
 * resolves, so the command exits 0. Log lines are JSON, one per line: `listening`, one per request unless quiet,
 * `stopping`, `stopped`.
 */
/** What a server that stopped did: the `--json` document of `serve`. */
export interface ServeSummary {
  url: string
  store: string
  signal: NodeJS.Signals
  requests: number
}

export async function serve(options: ServeOptions): Promise<ServeSummary> {
  const {worker} = options
  // A worker was started with V8 limits of its own (WORKER_V8_FLAGS); a single process is the CLI's own.
  limitHeapGrowth(worker ? 'worker' : 'own-process')
  const stream = options.output ?? process.stderr
  const log = worker ? lineWriter(writeAtOnce(2), PIPE_BUF) : lineWriter((text) => stream.write(text))
  // A worker writes access lines only: the primary logs start, stop and the workers' comings and goings.
  const event = (msg: string, fields: Record<string, unknown> = {}) => {
    if (!worker) log.write({time: new Date().toISOString(), msg, ...fields})
  }

  const tally = worker?.tally ?? {answered: 0}
  // Imported here, not above: the primary of `serve --workers` loads this module too, and serves nothing itself.
  const {buildApp} = await import('./app.js')
  const app = buildApp({
    decisions: options.decisions,
    accessctlError: options.accessctlError,
    requestTimeoutMs: options.requestTimeoutMs,
    accessLog: options.quiet ? undefined : (entry: AccessLogEntry) => log.write(entry),
    tally,
    cluster: worker?.cluster,
  })

  try {
    await app.listen({host: options.listen.host, port: options.listen.port})
  } catch (error) {
    await app.close()
    throw listenError(error as NodeJS.ErrnoException, options.listen)
  }

  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : options.listen.port
  const readiness = options.decisions.ready()
  const url = listenUrl({host: options.listen.host, port})
  event('listening', {url, store: readiness.path, access: readiness.access})
  worker?.onListening(port)

  return new Promise<ServeSummary>((resolve) => {
    let stopping = false
    const stop = (signal: NodeJS.Signals) => {
      // A worker may be told twice (Ctrl-C reaches the whole process group, and the primary passes it on).
      if (stopping) return
      stopping = true
      process.off('SIGTERM', stop)
      process.off('SIGINT', stop)
      event('stopping', {signal})
      // Connections still busy after the drain are closed, so the process always exits in time.
      const deadline = setTimeout(() => app.server.closeAllConnections(), DRAIN_MS)
      deadline.unref()
      void app.close().then(() => {
        clearTimeout(deadline)
        options.decisions.close()
        event('stopped', {requests: tally.answered})
        log.flush()
        resolve({url, store: readiness.path, signal, requests: tally.answered})
      })
    }

    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
    void worker?.stopRequested.then(stop)
  })
}

/** The address as a URL base, with IPv6 hosts in brackets. */
export function listenUrl(address: ListenAddress): string {
  return `http://${isIP(address.host) === 6 ? `[${address.host}]` : address.host}:${address.port}`
}

/** The address cannot be listened on: the command makes it a usage error (exit 2). */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message)
    this.name = 'ListenError'
  }
}

function listenError(error: NodeJS.ErrnoException, listen: ListenAddress): Error {
  const where = listenUrl(listen).replace('http://', '')
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the address is already in use',
    EADDRNOTAVAIL: 'the address is not one of this machine',
    EACCES: 'permission denied (ports below 1024 need privileges)',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name does not resolve',
  }
  const reason = error.code ? reasons[error.code] : undefined
  if (!reason) return error
  return new ListenError(`cannot listen on ${where}: ${reason}`, 'Choose another address with --listen HOST:PORT.')
}

/**
 * What POSIX guarantees to write to a pipe in one piece, never interleaved with another writer's bytes (Linux: 4 KiB).
 * The workers of `serve --workers` share the primary's stderr, and each of their write(2) calls is whole lines of at
 * most this: on a pipe such a write is atomic; on a file, Linux serialises the writes to one shared open file (and
 * O_APPEND puts each at the end); on a terminal each write holds the terminal's write lock. So lines never mix.
 */
const PIPE_BUF = 4096
const PAUSE = new Int32Array(new SharedArrayBuffer(4))

/**
 * Each text in one write(2) to `fd`, not through a Node stream: a stream may gather queued texts into one larger
 * writev (which a full pipe may then take in part), and PIPE_BUF's promise holds for one write of at most that.
 * A full pipe (EAGAIN: the primary's stderr may be non-blocking) is waited for and the same text written whole
 * again; the log holds this worker back rather than grow in memory. Lines that cannot be written at all (stderr
 * closed) are dropped: a worker that died of it would only be replaced to die again.
 */
function writeAtOnce(fd: number): (text: string) => void {
  return (text) => {
    let bytes = Buffer.from(text)
    while (bytes.length > 0) {
      try {
        // All or nothing for at most PIPE_BUF bytes; a longer line (none of serve's) may go in parts.
        bytes = bytes.subarray(writeSync(fd, bytes))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return
        Atomics.wait(PAUSE, 0, 0, 1)
      }
    }
  }
}

/**
 * JSON lines gathered and written once per turn of the event loop: under load one write carries many lines, so
 * the log costs no system call per request. With `maxWriteBytes`, a write carries whole lines of at most that many
 * bytes (a longer line goes alone).
 */
function lineWriter(write: (text: string) => void, maxWriteBytes?: number) {
  let pending = ''
  let pendingBytes = 0
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    write(pending)
    pending = ''
    pendingBytes = 0
  }

  return {
    write(entry: object) {
      const line = `${JSON.stringify(entry)}\n`
      if (maxWriteBytes !== undefined) {
        const bytes = Buffer.byteLength(line)
        if (pendingBytes + bytes > maxWriteBytes) flush()
        pendingBytes += bytes
      }

      pending += line
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
