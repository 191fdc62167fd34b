import {isIP} from 'node:net'

import type {ListenAddress} from '../core/listen-address.js'
import type {DecisionPoint} from '../domain/decision-point.js'
import {type AccessLogEntry, buildApp} from './app.js'
import type {AccessctlErrorClass} from './problems.js'

export interface ServeOptions {
  decisions: DecisionPoint
  /** The class of the errors `decisions` throws (see AppOptions.accessctlError). */
  accessctlError: AccessctlErrorClass
  listen: ListenAddress
  requestTimeoutMs: number
  quiet: boolean
  /** Where log lines go (stderr). */
  output?: NodeJS.WritableStream
}

/** How long SIGTERM waits for requests in flight before closing their connections, so the exit comes within 10 s. */
const DRAIN_MS = 7000

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
  const log = lineWriter(options.output ?? process.stderr)
  const event = (msg: string, fields: Record<string, unknown> = {}) => log.write({time: new Date().toISOString(), msg, ...fields})
  const tally = {answered: 0}
  const app = buildApp({
    decisions: options.decisions,
    accessctlError: options.accessctlError,
    requestTimeoutMs: options.requestTimeoutMs,
    accessLog: options.quiet ? undefined : (entry: AccessLogEntry) => log.write(entry),
    tally,
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

  return new Promise<ServeSummary>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
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
 * JSON lines gathered and written once per turn of the event loop: under load one write carries many lines, so
 * the log costs no system call per request.
 */
function lineWriter(stream: NodeJS.WritableStream) {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    stream.write(pending)
    pending = ''
  }

  return {
    write(entry: object) {
      pending += `${JSON.stringify(entry)}\n`
      if (!scheduled) {
        scheduled = true
        setImmediate(flush)
      }
    },
    flush,
  }
}
