import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../cli/base-command.js'
import {DEFAULT_LISTEN, parseListenAddress} from '../core/listen-address.js'
import {parseTtl} from '../core/ttl.js'
import {DecisionPoint} from '../domain/decision-point.js'
import {AccessctlError, UsageError} from '../errors.js'
import {loadServeRuntime} from '../serve/loader.js'
import type {ServeSummary} from '../serve/run.js'
import {defaultStorePath} from '../store/store.js'

const MAX_REQUEST_TIMEOUT_SECONDS = 300

export type ServeResult = ServeSummary

export default class Serve extends AccessctlCommand {
  static override summary = 'Answer gateways and API servers over HTTP: forward auth, token verify and check, the JWKS.'
  static override description = `A long-running HTTP server over the store, opened read-only: it never writes, needs no credential, and
works on a locked store and on a read-only snapshot or replica. Changes made with the CLI meanwhile count from the
next request; a store file replaced by a rename is picked up without a restart.
  GET  /v1/deployments/ID/authorize   forward auth (nginx auth_request, Traefik ForwardAuth, Envoy ext_authz):
  GET  /v1/authorize                  200 admitted, 401 no or invalid credential, 403 refused, 404 no deployment;
                                      the credential is X-API-Key or Authorization: Bearer (a key or a token), and
                                      /v1/authorize takes the deployment from X-Accessctl-Deployment
  POST /v1/tokens/verify              {"token"}: the document of tokens verify --json
  POST /v1/tokens/check               {"token","function","resource","account"?,"entity"?}: tokens check --json
  GET  /.well-known/jwks.json         the document of tokens jwks, with Cache-Control and ETag
  GET  /healthz, /readyz, /metrics    up; store readable; Prometheus metrics
One JSON access log line per request on stderr (never a key or a token) unless --quiet. SIGTERM stops accepting,
finishes the requests in flight and exits 0; with --json it then prints {url, store, signal, requests}.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --listen 0.0.0.0:8181 --store /snapshots/accessctl.db --quiet',
    'curl -H "X-API-Key: $KEY" http://127.0.0.1:8181/v1/deployments/churn-model-on-prod-eu/authorize',
  ]

  /** A data plane: it answers for clients, as `deployment authorize` does, and never changes the store. */
  static override credentialFree = true

  static override flags = {
    listen: Flags.string({description: 'HOST:PORT to listen on; loopback unless told otherwise. Port 0 takes a free port.', default: DEFAULT_LISTEN}),
    quiet: Flags.boolean({char: 'q', description: 'No access log lines (start and stop are still logged).'}),
    'request-timeout': Flags.string({description: 'A request (headers and body) must arrive within this, like 10s or 1m.', default: '10s'}),
  }

  /** With --json: start-up errors as JSON on stdout, and on stop {url, store, signal, requests}. */
  async run(): Promise<ServeResult> {
    const {flags} = await this.parse(Serve)
    const listen = parseListenAddress(flags.listen)
    const timeoutSeconds = parseTtl(flags['request-timeout'], '--request-timeout')
    if (timeoutSeconds > MAX_REQUEST_TIMEOUT_SECONDS) throw new UsageError(`--request-timeout is at most ${MAX_REQUEST_TIMEOUT_SECONDS}s`)
    const decisions = DecisionPoint.open(flags.store ?? defaultStorePath())
    try {
      // fastify and prom-client load here, so that no other command pays for them at start-up.
      const {serve} = await loadServeRuntime()
      return await serve({decisions, accessctlError: AccessctlError, listen, requestTimeoutMs: timeoutSeconds * 1000, quiet: flags.quiet})
    } catch (error) {
      // The runtime may come from another bundle (the executable's), so its error is known by name, not class.
      if (error instanceof Error && error.name === 'ListenError') throw new UsageError(error.message, {hint: (error as {hint?: string}).hint})
      throw error
    } finally {
      decisions.close()
    }
  }
}
