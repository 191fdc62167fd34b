import {Flags} from '@oclif/core'
import {availableParallelism} from 'node:os'

import {AccessctlCommand} from '../cli/base-command.js'
import {DEFAULT_LISTEN, parseListenAddress} from '../core/listen-address.js'
import {parseTtl} from '../core/ttl.js'
import {DecisionPoint} from '../domain/decision-point.js'
import {AccessctlError, StoreError, UsageError} from '../errors.js'
import {loadServeRuntime} from '../serve/loader.js'
import {WORKER_V8_FLAGS} from '../serve/memory.js'
import type {ServeSummary} from '../serve/run.js'
import {MAX_WORKERS} from '../serve/worker-env.js'

const MAX_REQUEST_TIMEOUT_SECONDS = 300

export type ServeResult = ServeSummary

export default class Serve extends AccessctlCommand {
  static override summary = 'Answer gateways and API servers over HTTP: forward auth, token verify and check, the JWKS.'
  static override description = `A long-running HTTP server over the store, opened read-only: it never writes, needs no credential, and works on a locked store and on a read-only snapshot or replica. Changes made with the CLI meanwhile count from the next request; a store file replaced by a rename is picked up without a restart.
  GET  /v1/deployments/ID/authorize   forward auth (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz):
  GET  /v1/authorize                  200 admitted, 401 no or invalid credential, 403 refused, 404 no deployment; the credential is X-API-Key or Authorization: Bearer (a key or a token), and /v1/authorize takes the deployment from X-Accessctl-Deployment
  POST /v1/tokens/verify              {"token"}: the document of tokens verify --json
  POST /v1/tokens/check               {"token","function","resource","account"?,"entity"?}: tokens check --json
  GET  /.well-known/jwks.json         the document of tokens jwks, with Cache-Control and ETag
  GET  /healthz, /readyz, /metrics    up; store readable; Prometheus metrics

One JSON access log line per request on stderr (never a key or a token) unless --quiet. SIGTERM stops accepting, finishes the requests in flight and exits 0; with --json it then prints {url, store, signal, requests}.

--workers N (or auto, one per core) answers on the one port from N processes, each with its own read-only connection: /metrics sums the workers' counts, /readyz is ready once every worker is, a worker that dies is replaced, and the log has every worker's lines, whole. Workers start with V8 heap limits of their own (${WORKER_V8_FLAGS.join(' ')}); NODE_OPTIONS of yours come after them and win.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --listen 0.0.0.0:8181 --store /snapshots/accessctl.db --quiet',
    '<%= config.bin %> <%= command.id %> --listen 0.0.0.0:8181 --workers auto',
    'curl -H "X-API-Key: $KEY" http://127.0.0.1:8181/v1/deployments/churn-model-on-prod-eu/authorize',
  ]

  /** A data plane: it answers for clients, as `deployment authorize` does, and never changes the store. */
  static override credentialFree = true

  static override flags = {
    listen: Flags.string({description: 'HOST:PORT to listen on; loopback unless told otherwise. Port 0 takes a free port.', default: DEFAULT_LISTEN}),
    quiet: Flags.boolean({char: 'q', description: 'No access log lines (start and stop are still logged).'}),
    'request-timeout': Flags.string({description: 'A request (headers and body) must arrive within this, like 10s or 1m.', default: '10s'}),
    workers: Flags.string({
      description: `Processes answering on the one port: 1 to ${MAX_WORKERS}, or auto (one per core). 1 is a single process.`,
      default: '1',
    }),
  }

  /** With --json: start-up errors as JSON on stdout, and on stop {url, store, signal, requests}. */
  async run(): Promise<ServeResult> {
    const {flags} = await this.parse(Serve)
    const listen = parseListenAddress(flags.listen)
    const timeoutSeconds = parseTtl(flags['request-timeout'], '--request-timeout')
    if (timeoutSeconds > MAX_REQUEST_TIMEOUT_SECONDS) throw new UsageError(`--request-timeout is at most ${MAX_REQUEST_TIMEOUT_SECONDS}s`)
    const workers = workerCount(flags.workers)
    const decisions = DecisionPoint.open((await this.settings(flags)).store.path)
    try {
      // fastify and prom-client load here, so that no other command pays for them at start-up.
      const runtime = await loadServeRuntime()
      const requestTimeoutMs = timeoutSeconds * 1000
      if (workers === 1) return await runtime.serve({decisions, accessctlError: AccessctlError, listen, requestTimeoutMs, quiet: flags.quiet})
      // Opened here only to fail as a single process would (exit 6) before any worker starts: each opens its own.
      const {path, access} = decisions.ready()
      decisions.close()
      return await runtime.serveCluster({workers, store: path, access, listen, requestTimeoutMs, quiet: flags.quiet})
    } catch (error) {
      // The runtime may come from another bundle (the executable's), and a worker's error from another process, so
      // an error is known by its name, not its class.
      const {name, message, hint} = error as Error & {hint?: string}
      if (name === 'ListenError') throw new UsageError(message, {hint})
      if (name === 'StoreError') throw new StoreError(message, {hint})
      throw error
    } finally {
      decisions.close()
    }
  }
}

/** `--workers`: a whole number from 1 to MAX_WORKERS, or `auto` for the cores this process may use (at most MAX_WORKERS). */
function workerCount(value: string): number {
  if (value.trim().toLowerCase() === 'auto') return Math.min(MAX_WORKERS, availableParallelism())
  const count = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!(count >= 1 && count <= MAX_WORKERS)) {
    throw new UsageError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, or auto, not '${value}'`, {
      hint: 'Use --workers auto for one worker per core, or leave it out for a single process.',
    })
  }

  return count
}
