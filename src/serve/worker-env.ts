/**
 * How a worker process of `serve --workers N` knows it is one, and what it serves. node:cluster starts a worker by
 * running the program again (bin/run.js in the npm package, the executable itself, whose command line is never
 * Node's), so the program's entry looks for this variable before anything else and goes straight to the worker's
 * path (src/serve/worker-process.ts), without oclif. It imports nothing: both the CLI's bundle and serve's runtime
 * bundle carry it.
 */
export const SERVE_WORKER_ENV = 'ACCESSCTL_SERVE_WORKER'

/** The most workers `serve --workers` starts: each costs its own memory (up to 100 MiB under load). */
export const MAX_WORKERS = 64

/** Whether this process may be a worker: a first look that costs the CLI's start-up nothing. */
export function mayBeServeWorker(env: NodeJS.ProcessEnv): boolean {
  return env[SERVE_WORKER_ENV] !== undefined
}

/** What the primary tells each worker it starts, as JSON in SERVE_WORKER_ENV. */
export interface WorkerConfig {
  /** 1..N: which worker this is; a replacement takes the slot of the one that died. */
  slot: number
  /** The store's path as the command was given it: each worker opens its own read-only connection. */
  store: string
  host: string
  port: number
  requestTimeoutMs: number
  quiet: boolean
}

/** The worker's configuration when this process is a worker of `serve --workers`, else undefined. */
export function serveWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig | undefined {
  const text = env[SERVE_WORKER_ENV]
  return text === undefined || text === '' ? undefined : (JSON.parse(text) as WorkerConfig)
}

/** A worker that could not start tells the primary why, so the command fails as a single process would. */
export interface WorkerFailure {
  name: string
  message: string
  hint?: string
  exitCode?: number
}

export function workerFailure(error: unknown): WorkerFailure {
  if (!(error instanceof Error)) return {name: 'Error', message: String(error)}
  const {hint, exitCode} = error as Error & {hint?: unknown; exitCode?: unknown}
  return {
    name: error.name,
    message: error.message,
    hint: typeof hint === 'string' ? hint : undefined,
    exitCode: typeof exitCode === 'number' ? exitCode : undefined,
  }
}

export const WORKER_FAILED = 'accessctl:worker-failed'
