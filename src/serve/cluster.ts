import cluster, {type Worker} from 'node:cluster'
import type {Writable} from 'node:stream'
import {AggregatorRegistry, Registry} from 'prom-client'

import type {ListenAddress} from '../core/listen-address.js'
import type {DecisionPoint} from '../domain/decision-point.js'
import {limitHeapGrowth, WORKER_V8_FLAGS} from './memory.js'
import {collectProcessMetrics} from './metrics.js'
import type {AccessctlErrorClass} from './problems.js'
import {DRAIN_MS, listenUrl, serve, type ServeSummary} from './run.js'
import {SERVE_WORKER_ENV, WORKER_FAILED, type WorkerConfig, type WorkerFailure, workerFailure} from './worker-env.js'

/**
 * `accessctl serve --workers N`: one port, N worker processes (node:cluster; its primary accepts the connections
 * and hands them to the workers in turn), each with its own read-only connection to the store. The primary serves
 * no request: it starts the workers and replaces any that dies, writes the log (the workers' lines pass through
 * it, whole), aggregates /metrics for whichever worker is asked, tells the workers whether all of them are ready
 * (for /readyz), and on SIGTERM or SIGINT has every worker drain and stop.
 */

/** The IPC messages between the primary and its workers (node:cluster's own have a `cmd` and never reach these). */
const MESSAGE = {
  /** worker to primary: {port}, it listens. */
  listening: 'accessctl:listening',
  /** worker to primary: {answered}, requests answered so far (for the stop summary, should the worker die). */
  tally: 'accessctl:tally',
  /** worker to primary: {id}, a client asked it for /metrics. */
  metricsWanted: 'accessctl:metrics-wanted',
  /** worker to primary: {id, metrics}, its registry as JSON. */
  metricsCollected: 'accessctl:metrics-collected',
  /** worker to primary: {answered}, it drained and is exiting. */
  stopped: 'accessctl:stopped',
  /** primary to worker: {everyWorkerReady}. */
  readiness: 'accessctl:readiness',
  /** primary to worker: {id}, send your registry. */
  collectMetrics: 'accessctl:collect-metrics',
  /** primary to worker: {id, text}, the aggregated /metrics it asked for. */
  metricsText: 'accessctl:metrics-text',
  /** primary to worker: {signal}, drain and exit. */
  stop: 'accessctl:stop',
} as const

type Message = {type: string} & Record<string, unknown>
type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>

/** How often a worker reports its count of requests; a worker that dies loses at most this much of the count. */
const TALLY_EVERY_MS = 1000
/** How long the primary waits for one worker's metrics: one that does not answer is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 2000
/** How long a worker waits for the aggregated metrics before answering /metrics with a 500. */
const METRICS_TEXT_TIMEOUT_MS = 5000
/** The first replacement of a worker that died comes this soon; each quick death of its replacement doubles it. */
const RESTART_FIRST_MS = 100
const RESTART_MAX_MS = 10_000
/** A worker that lived this long was not crash-looping: the next replacement of its slot is quick again. */
const STABLE_AFTER_MS = 10_000
/** Workers drain for DRAIN_MS; one still there this much later is killed, so the primary exits 0 within 10 s. */
const STOP_MARGIN_MS = 1500
/** A label on each process's default metrics (memory, CPU, event loop), so that no two processes' collide. */
const PROCESS_LABEL = 'process'

export interface ClusterOptions {
  workers: number
  /** The store's path, as given to the command; each worker opens it itself. */
  store: string
  /** Read-only or immutable, as the command found it, for the `listening` line. */
  access: string
  listen: ListenAddress
  requestTimeoutMs: number
  quiet: boolean
  /** Where the log goes (stderr). */
  output?: Writable
}

/** One of the N places a worker fills: a replacement takes the place (and the number) of the worker that died. */
interface Slot {
  number: number
  running?: Running
  /** Deaths in a row of workers that lived less than STABLE_AFTER_MS: the backoff of the next replacement. */
  quickDeaths: number
  restart?: NodeJS.Timeout
}

interface Running {
  worker: Worker
  startedAt: number
  listening: boolean
  answered: number
}

/** Runs the primary until SIGTERM or SIGINT, and resolves once every worker has stopped: the command exits 0. */
export function serveCluster(options: ClusterOptions): Promise<ServeSummary> {
  if (cluster.isWorker) throw new Error('a worker of serve cannot start workers of its own')
  limitHeapGrowth('own-process')
  const output = options.output ?? process.stderr
  const event = (msg: string, fields: Record<string, unknown> = {}) => output.write(`${JSON.stringify({time: new Date().toISOString(), msg, ...fields})}\n`)
  const registry = new Registry()
  collectProcessMetrics(registry, {[PROCESS_LABEL]: 'primary'})
  const slots: Slot[] = Array.from({length: options.workers}, (_, i) => ({number: i + 1, quickDeaths: 0}))
  const live = () => slots.flatMap((slot) => (slot.running ? [slot.running] : []))
  let url: string | undefined
  let everyWorkerReady = false
  let startedUp = false
  let stopping = false
  /** Requests answered by workers that are gone, by their last report. */
  let answeredByGone = 0
  let stopSignal: NodeJS.Signals = 'SIGTERM'
  let settle: {resolve: (summary: ServeSummary) => void; reject: (error: Error) => void}
  let startFailure: Error | undefined

  // The workers run this same program again (bin/run.js, or the executable, whose arguments are never Node's): the
  // variable SERVE_WORKER_ENV sends them to their own path. They write their log lines to the primary's stderr
  // themselves, in writes of whole lines that no other process's write can split (see PIPE_BUF in ./run.ts):
  // passing every line through the primary would cost it a copy of the whole log, and tens of MiB under load.
  cluster.setupPrimary({exec: process.argv[1], args: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc']})

  const workerEnv = (slot: Slot) => {
    const config: WorkerConfig = {
      slot: slot.number,
      store: options.store,
      host: options.listen.host,
      port: options.listen.port,
      requestTimeoutMs: options.requestTimeoutMs,
      quiet: options.quiet,
    }
    // The user's own NODE_OPTIONS come last: where they set the same flag, theirs wins.
    const nodeOptions = [...WORKER_V8_FLAGS, process.env.NODE_OPTIONS ?? ''].join(' ').trim()
    return {[SERVE_WORKER_ENV]: JSON.stringify(config), NODE_OPTIONS: nodeOptions}
  }

  const updateReadiness = () => {
    const ready = slots.every((slot) => slot.running?.listening)
    if (ready === everyWorkerReady) return
    everyWorkerReady = ready
    for (const running of live()) send(running.worker, {type: MESSAGE.readiness, everyWorkerReady})
    if (ready) {
      startedUp = true
      event('ready', {workers: options.workers})
    }
  }

  const start = (slot: Slot) => {
    slot.restart = undefined
    const worker = cluster.fork(workerEnv(slot))
    const running: Running = {worker, startedAt: Date.now(), listening: false, answered: 0}
    slot.running = running
    event('worker started', {worker: slot.number, pid: worker.process.pid})
    worker.on('message', (message: Message) => onMessage(slot, running, message))
    // `close` rather than `exit`: it comes once the worker's IPC channel is read to its end, so its last count is
    // in before the primary logs its death or its stop.
    worker.process.once('close', (code: number | null, signal: NodeJS.Signals | null) => onExit(slot, running, code, signal))
    // An IPC error (the worker went away mid-send) is followed by its exit, which is what is handled.
    worker.on('error', () => {})
  }

  const onMessage = (slot: Slot, running: Running, message: Message) => {
    switch (message.type) {
      case MESSAGE.listening: {
        running.listening = true
        if (url === undefined) {
          url = listenUrl({host: options.listen.host, port: Number(message.port)})
          event('listening', {url, store: options.store, access: options.access, workers: options.workers})
        }

        send(running.worker, {type: MESSAGE.readiness, everyWorkerReady})
        updateReadiness()
        break
      }

      case MESSAGE.tally:
      case MESSAGE.stopped: {
        running.answered = Number(message.answered)
        break
      }

      case MESSAGE.metricsWanted: {
        void aggregatedMetrics().then(
          (text) => send(running.worker, {type: MESSAGE.metricsText, id: message.id, text}),
          (error: Error) => send(running.worker, {type: MESSAGE.metricsText, id: message.id, error: error.message}),
        )
        break
      }

      case MESSAGE.metricsCollected: {
        collections.get(collectionKey(running.worker, Number(message.id)))?.(message.metrics as MetricsJson)
        break
      }

      case WORKER_FAILED: {
        const failure = message.failure as WorkerFailure
        if (startedUp) {
          event('worker failed', {worker: slot.number, pid: running.worker.process.pid, error: failure.message})
        } else {
          startFailure ??= asError(failure)
          failStart()
        }

        break
      }
    }
  }

  const onExit = (slot: Slot, running: Running, code: number | null, signal: NodeJS.Signals | null) => {
    slot.running = undefined
    answeredByGone += running.answered
    for (const [key, deliver] of collections) if (key.startsWith(`${running.worker.id}:`)) deliver(undefined)
    updateReadiness()
    if (stopping || startFailure) {
      if (live().length === 0) finish()
      return
    }

    if (!startedUp) {
      // Before every worker ever listened, a death is a failure to start (a bad address, a store gone since the
      // command opened it), which a replacement would only repeat: the command fails as a single process does.
      startFailure = new Error(`worker ${slot.number} exited (${signal ?? `code ${code}`}) before it listened`)
      failStart()
      return
    }

    const lived = Date.now() - running.startedAt
    slot.quickDeaths = lived >= STABLE_AFTER_MS ? 0 : slot.quickDeaths + 1
    const restartInMs = Math.min(RESTART_MAX_MS, RESTART_FIRST_MS * 2 ** slot.quickDeaths)
    event('worker exited', {worker: slot.number, pid: running.worker.process.pid, code, signal, restartInMs})
    slot.restart = setTimeout(() => start(slot), restartInMs)
  }

  /** Stops what was started and fails the command with the reason a worker gave. */
  const failStart = () => {
    for (const slot of slots) clearTimeout(slot.restart)
    const remaining = live()
    for (const running of remaining) running.worker.process.kill('SIGKILL')
    if (remaining.length === 0) finish()
  }

  let finished = false
  const finish = () => {
    if (finished) return
    finished = true
    process.off('SIGTERM', stop)
    process.off('SIGINT', stop)
    registry.clear()
    if (startFailure) {
      settle.reject(startFailure)
      return
    }

    const requests = answeredByGone
    event('stopped', {requests})
    settle.resolve({url: url ?? listenUrl(options.listen), store: options.store, signal: stopSignal, requests})
  }

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    stopSignal = signal
    event('stopping', {signal})
    for (const slot of slots) clearTimeout(slot.restart)
    const remaining = live()
    if (remaining.length === 0) {
      finish()
      return
    }

    for (const running of remaining) {
      // One still starting has nothing in flight, and may not listen for messages yet: the signal stops it.
      if (running.listening) send(running.worker, {type: MESSAGE.stop, signal})
      else running.worker.process.kill('SIGTERM')
    }

    // A worker still there past its drain is killed; its requests in flight were given DRAIN_MS already.
    setTimeout(() => {
      for (const running of live()) running.worker.process.kill('SIGKILL')
    }, DRAIN_MS + STOP_MARGIN_MS).unref()
  }

  /** Pending collections of one scrape: `${worker id}:${scrape id}` to the function that takes that worker's metrics. */
  const collections = new Map<string, (metrics: MetricsJson | undefined) => void>()
  let scrapes = 0
  const collectionKey = (worker: Worker, id: number) => `${worker.id}:${id}`
  const collectFrom = (worker: Worker, id: number) =>
    new Promise<MetricsJson | undefined>((resolve) => {
      const key = collectionKey(worker, id)
      const timer = setTimeout(() => deliver(undefined), COLLECT_TIMEOUT_MS)
      const deliver = (metrics: MetricsJson | undefined) => {
        clearTimeout(timer)
        collections.delete(key)
        resolve(metrics)
      }

      collections.set(key, deliver)
      send(worker, {type: MESSAGE.collectMetrics, id})
    })

  /**
   * Every listening worker's metrics and the primary's own, aggregated by prom-client's AggregatorRegistry:
   * decisions and request durations summed over the workers; the process metrics, which carry a `process` label
   * each, kept apart.
   */
  const aggregatedMetrics = async (): Promise<string> => {
    const id = scrapes++
    const workers = live().filter((running) => running.listening)
    const collected = await Promise.all([registry.getMetricsAsJSON(), ...workers.map((running) => collectFrom(running.worker, id))])
    const all = collected.filter((metrics): metrics is MetricsJson => metrics !== undefined)
    return AggregatorRegistry.aggregate(all.map(keepProcessMetricsApart)).metrics()
  }

  return new Promise<ServeSummary>((resolve, reject) => {
    settle = {resolve, reject}
    process.on('SIGTERM', stop)
    process.on('SIGINT', stop)
    for (const slot of slots) start(slot)
  })
}

/**
 * prom-client's default metrics name how to aggregate them (summed, averaged, or omitted like the start time); with
 * a `process` label on each, every series is one process's, which is kept as it is.
 */
function keepProcessMetricsApart(metrics: MetricsJson): MetricsJson {
  return metrics.map((metric) =>
    metric.values.length > 0 && metric.values.every((value) => PROCESS_LABEL in value.labels) ? {...metric, aggregator: 'first'} : metric,
  )
}

function asError(failure: WorkerFailure): Error {
  const error = new Error(failure.message) as Error & {hint?: string; exitCode?: number}
  error.name = failure.name
  error.hint = failure.hint
  error.exitCode = failure.exitCode
  return error
}

function send(worker: Worker, message: Message): void {
  if (worker.isConnected()) worker.send(message)
}

/**
 * The worker's side: `serve` with its metrics collected by the primary, /readyz answered from what the primary says
 * of every worker, and a stop asked by the primary. Exits the process once it has drained.
 */
export async function serveWorker(decisions: DecisionPoint, accessctlError: AccessctlErrorClass, config: WorkerConfig): Promise<void> {
  const registry = new Registry()
  const tally = {answered: 0}
  let everyWorkerReady = false
  let requestedStop: (signal: NodeJS.Signals) => void
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => (requestedStop = resolve))
  const waiting = new Map<number, {resolve: (text: string) => void; reject: (error: Error) => void}>()
  let nextScrape = 0
  const toPrimary = (message: Message, then?: () => void) => {
    if (process.connected) process.send!(message, undefined, {}, () => then?.())
    else then?.()
  }

  process.on('message', (message: Message) => {
    switch (message.type) {
      case MESSAGE.readiness: {
        everyWorkerReady = Boolean(message.everyWorkerReady)
        break
      }

      case MESSAGE.collectMetrics: {
        void registry.getMetricsAsJSON().then((metrics) => toPrimary({type: MESSAGE.metricsCollected, id: message.id, metrics}))
        break
      }

      case MESSAGE.metricsText: {
        const pending = waiting.get(Number(message.id))
        waiting.delete(Number(message.id))
        if (typeof message.text === 'string') pending?.resolve(message.text)
        else pending?.reject(new Error(`the primary could not aggregate the metrics: ${String(message.error)}`))
        break
      }

      case MESSAGE.stop: {
        requestedStop(message.signal as NodeJS.Signals)
        break
      }
    }
  })

  const metricsText = () =>
    new Promise<string>((resolve, reject) => {
      const id = nextScrape++
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error('the primary did not send the metrics in time'))
      }, METRICS_TEXT_TIMEOUT_MS)
      waiting.set(id, {
        resolve: (text) => (clearTimeout(timer), resolve(text)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      })
      toPrimary({type: MESSAGE.metricsWanted, id})
    })

  let reported = 0
  const reporter = setInterval(() => {
    if (tally.answered === reported) return
    reported = tally.answered
    toPrimary({type: MESSAGE.tally, answered: reported})
  }, TALLY_EVERY_MS)
  reporter.unref()

  try {
    await serve({
      decisions,
      accessctlError,
      listen: {host: config.host, port: config.port},
      requestTimeoutMs: config.requestTimeoutMs,
      quiet: config.quiet,
      worker: {
        cluster: {registry, processLabels: {[PROCESS_LABEL]: `worker-${config.slot}`}, metricsText, everyWorkerReady: () => everyWorkerReady},
        tally,
        onListening: (port) => toPrimary({type: MESSAGE.listening, port}),
        stopRequested,
      },
    })
  } catch (error) {
    toPrimary({type: WORKER_FAILED, failure: workerFailure(error)}, () => process.exit(1))
    return
  }

  clearInterval(reporter)
  toPrimary({type: MESSAGE.stopped, answered: tally.answered}, () => process.exit(0))
}
