import cluster from 'node:cluster'

import {DecisionPoint} from '../domain/decision-point.js'
import {AccessctlError} from '../errors.js'
import {loadServeRuntime} from './loader.js'
import {SERVE_WORKER_ENV, serveWorkerConfig, WORKER_FAILED, workerFailure} from './worker-env.js'

/**
 * The whole life of a worker process of `serve --workers N` (the entries, bin/run.js and the executable's, come
 * here when SERVE_WORKER_ENV is set): its own read-only connection to the store, serve's runtime, and nothing of
 * oclif, so that each worker costs as little memory as it can. Returns when this process is not a cluster worker
 * (the variable was left in a user's environment), so that the CLI then runs as usual.
 */
export async function runServeWorker(): Promise<boolean> {
  const config = serveWorkerConfig(process.env)
  if (!config || !cluster.isWorker) return false
  // Nothing this process starts should take itself for a worker.
  delete process.env[SERVE_WORKER_ENV]
  let decisions: DecisionPoint
  try {
    decisions = DecisionPoint.open(config.store)
  } catch (error) {
    process.send!({type: WORKER_FAILED, failure: workerFailure(error)}, () => process.exit(1))
    return true
  }

  const {serveWorker} = await loadServeRuntime()
  await serveWorker(decisions, AccessctlError, config)
  return true
}
