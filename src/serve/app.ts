import Fastify, {type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest} from 'fastify'
import {createHash} from 'node:crypto'
import {createServer, type IncomingMessage, METHODS, STATUS_CODES} from 'node:http'
import type {Socket} from 'node:net'
import {collectDefaultMetrics, Counter, Histogram, Registry} from 'prom-client'

import type {ClientDecision, DecisionPoint} from '../domain/decision-point.js'
import type {ClientCredential} from '../domain/query-auth.js'
import type {AccessctlError} from '../errors.js'

/**
 * The HTTP face of `accessctl serve`: fastify routes over a DecisionPoint, Prometheus metrics, one access log entry
 * per request. This module (and fastify and prom-client with it) is loaded only by the serve command, and imports
 * nothing of accessctl's own at run time (only types): the single executable carries it as a separate bundle
 * (src/serve/loader.ts), which must share no class with the main one, so errors are told apart by their exit code.
 */

/** The caps on what a client may send, and how long a gateway may cache the JWKS. */
export const SERVE_LIMITS = {
  /** All request headers together; more is a 431. */
  headerBytes: 16 * 1024,
  /** A request body (the JSON of tokens verify and check); more is a 413. */
  bodyBytes: 64 * 1024,
  /** A token in a body or a header; longer is refused before it is parsed. */
  tokenChars: 16 * 1024,
  /** One segment of a path that is a parameter (a deployment id); longer is a 414. */
  paramChars: 256,
  jwksMaxAgeSeconds: 60,
} as const

export interface AppOptions {
  decisions: DecisionPoint
  /** The whole request (headers and body) must arrive within this; else a 408 and the connection is closed. */
  requestTimeoutMs: number
  /** Receives one entry per request (never a key or a token); undefined with --quiet. */
  accessLog?: (entry: AccessLogEntry) => void
  /** Counts the requests answered (HTTP errors included). */
  tally?: {answered: number}
  /** With --workers: what this worker shares with the others (src/serve/cluster.ts); undefined in a single process. */
  cluster?: ClusterMembership
}

/** One worker of `serve --workers N`: its metrics are collected by the primary, and readiness is every worker's. */
export interface ClusterMembership {
  /** Where this worker's metrics are kept, for the primary to collect (prom-client's registries are per process). */
  registry: Registry
  /** Added to the default process metrics, so that each worker's (its memory, its event loop) stays its own. */
  processLabels: Record<string, string>
  /** The text of /metrics: every worker's metrics aggregated, decisions and durations summed. */
  metricsText: () => Promise<string>
  /** Whether every worker is listening; /readyz is a 503 until then. */
  everyWorkerReady: () => boolean
}

export interface AccessLogEntry {
  time: string
  method: string
  /** The route's pattern, never the raw URL: a client may put anything in a path or a query string. */
  route: string
  status: number
  ms: number
  remote: string | undefined
  endpoint?: Endpoint
  outcome?: string
  deployment?: string
  via?: string
  keyId?: string
  account?: string
  jti?: string
  error?: string
}

type Endpoint = 'authorize' | 'check' | 'healthz' | 'jwks' | 'metrics' | 'readyz' | 'verify'

/** What a handler learned, for the metrics and the access log. */
interface RequestNote {
  endpoint?: Endpoint
  outcome?: string
  deployment?: string
  via?: string
  keyId?: string
  account?: string
  jti?: string
  error?: string
}

declare module 'fastify' {
  interface FastifyRequest {
    accessctl: RequestNote | null
  }
}

/**
 * Every error answer of serve, whatever raised it: its status, the code of the JSON error body every endpoint uses,
 * and a message written here, which never quotes the request (nor a path of the server). toProblem makes one of
 * anything thrown.
 */
class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

const REALM = 'Bearer realm="accessctl"'
const DEPLOYMENT_HEADER = 'x-accessctl-deployment'
/**
 * Every method Node parses: Envoy's ext_authz sends the client's own method, nginx and Traefik send GET. CONNECT asks
 * for a tunnel, which serve does not make (the server's `connect` event answers it with a 501).
 */
const ANY_METHOD = METHODS.filter((method) => method !== 'CONNECT')
/** The headers that carry a client's credential: at most one of them, sent once, with a value. */
const CREDENTIAL_HEADERS = ['x-api-key', 'authorization'] as const

const errorBody = (code: string, message: string) => ({error: {code, message}})
const sendProblem = (reply: FastifyReply, problem: HttpProblem) =>
  void reply.code(problem.status).headers(problem.headers).send(errorBody(problem.code, problem.message))

export function buildApp(options: AppOptions): FastifyInstance {
  const {decisions, accessLog} = options
  const metrics = createMetrics(options.cluster)
  /** Every answer, whoever made it (a route, fastify's router, Node's parser), is counted and logged here. */
  const record = (entry: Omit<AccessLogEntry, 'time'>, seconds: number) => {
    if (options.tally) options.tally.answered++
    metrics.duration.observe({endpoint: entry.endpoint ?? 'none', status: String(entry.status)}, seconds)
    if (entry.endpoint && entry.outcome && DECISION_ENDPOINTS.has(entry.endpoint)) {
      metrics.decisions.inc({endpoint: entry.endpoint, outcome: entry.outcome})
    }

    accessLog?.({time: new Date().toISOString(), ...entry})
  }

  /** An answer written on the socket, for what never becomes a request fastify sees: Node's parse errors, CONNECT. */
  const answerOnSocket = (socket: Socket, problem: HttpProblem, method: string) => {
    const body = JSON.stringify(errorBody(problem.code, problem.message))
    const remote = socket.remoteAddress
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      )
    }

    socket.destroy()
    record({method, route: '-', status: problem.status, ms: 0, remote, error: problem.code}, 0)
  }

  const app = Fastify({
    logger: false,
    bodyLimit: SERVE_LIMITS.bodyBytes,
    // While stopping, a request that still arrives on an open connection is answered (with Connection: close)
    // rather than given fastify's own 503 body: the store stays open until the last connection is closed.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: {maxParamLength: SERVE_LIMITS.paramChars},
    // Types as sent: a number is not a token, and an unknown field is an error rather than silently dropped.
    ajv: {customOptions: {coerceTypes: false, removeAdditional: false, useDefaults: false}},
    serverFactory: (handler) => {
      const server = createServer(
        {
          maxHeaderSize: SERVE_LIMITS.headerBytes,
          requestTimeout: options.requestTimeoutMs,
          headersTimeout: options.requestTimeoutMs,
          // How often Node looks for requests past their timeout (its default is 30 s).
          connectionsCheckingInterval: Math.min(1000, options.requestTimeoutMs),
          // Longer than the idle timeout of gateways' upstream pools (nginx 60 s), so they close first.
          keepAliveTimeout: 65_000,
          // Node would answer a missing Host itself, with an empty 400: the onRequest hook refuses it instead.
          requireHostHeader: false,
        },
        handler,
      )
      // Node would answer these itself (417 with no body; CONNECT by closing the connection).
      server.on('checkExpectation', handler)
      server.on('connect', (request: IncomingMessage, socket: Socket) => answerOnSocket(socket, toProblem(new ConnectMethod()), request.method ?? '-'))
      return server
    },
    clientErrorHandler: (error: ParseError, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return
      answerOnSocket(socket, toProblem(error, {requestTimeoutMs: options.requestTimeoutMs}), '-')
    },
    // Fastify's router refuses a bad %-escape and an over-long parameter before any route or hook runs.
    frameworkErrors: (error, request, reply) => {
      const problem = toProblem(error)
      sendProblem(reply as FastifyReply, problem)
      record({method: request.method, route: '-', status: problem.status, ms: 0, remote: request.ip, error: problem.code}, 0)
    },
  })

  // Fastify refuses a QUERY without Content-Type (RFC 10008) before any route runs, but a gateway asking about a
  // client's QUERY need not send one: serve reads no body of forward authentication, so QUERY is made bodyless.
  for (const method of ANY_METHOD) {
    const known = app.supportedMethods.includes(method)
    if (!known || method === 'QUERY') app.addHttpMethod(method, {hasBody: method !== 'QUERY', overrideExisting: known})
  }

  // Only JSON bodies: fastify's default text/plain parser would hand a string to the schema (a 400, not a 415).
  app.removeContentTypeParser('text/plain')

  // Once closing, a connection whose request was in flight is dropped as soon as its answer is sent, rather than
  // kept idle until the drain deadline (no per-request hook: Node reads this when a response ends).
  app.addHook('preClose', (done) => {
    app.server.keepAliveTimeout = 1
    done()
  })

  app.decorateRequest('accessctl', null)
  app.addHook('onRequest', (request, _reply, done) => {
    request.accessctl = {}
    const problem = framingProblem(request.raw)
    if (problem) done(problem)
    else done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    const note = request.accessctl ?? {}
    const ms = reply.elapsedTime
    record(
      {method: request.method, route: request.routeOptions.url ?? '-', status: reply.statusCode, ms: Math.round(ms * 100) / 100, remote: request.ip, ...note},
      ms / 1000,
    )
    done()
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const note = (request.accessctl ??= {})
    const problem = toProblem(error, {endpoint: note.endpoint})
    note.outcome ??= problem.status >= 500 ? 'error' : 'invalid_request'
    // The log (not the answer) keeps the reason of a server-side failure, e.g. the store's path and what is wrong.
    note.error = problem.status >= 500 ? `${problem.code}: ${error.message}` : problem.code
    sendProblem(reply, problem)
  })
  app.setNotFoundHandler(() => {
    throw new HttpProblem(404, 'not_found', 'no such endpoint')
  })

  app.get('/healthz', (request) => {
    request.accessctl!.endpoint = 'healthz'
    return {status: 'ok'}
  })

  app.get('/readyz', (request) => {
    request.accessctl!.endpoint = 'readyz'
    if (options.cluster && !options.cluster.everyWorkerReady()) {
      throw new HttpProblem(503, 'not_ready', 'not every worker is ready yet', {'retry-after': '1'})
    }

    const readiness = decisions.ready()
    return {status: 'ready', schemaVersion: readiness.schemaVersion, access: readiness.access}
  })

  app.get('/metrics', async (request, reply) => {
    request.accessctl!.endpoint = 'metrics'
    const text = options.cluster ? await options.cluster.metricsText() : await metrics.registry.metrics()
    return reply.type(metrics.registry.contentType).send(text)
  })

  app.get('/.well-known/jwks.json', (request, reply) => {
    request.accessctl!.endpoint = 'jwks'
    const body = JSON.stringify(decisions.jwks())
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
    void reply.header('cache-control', `public, max-age=${SERVE_LIMITS.jwksMaxAgeSeconds}`).header('etag', etag)
    if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send()
    return reply.type('application/json; charset=utf-8').send(body)
  })

  // Forward authentication: a body, if any, is the client's and is not read (a scope without body parsers).
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers()
    scope.addContentTypeParser('*', (_request, payload, done) => {
      payload.resume()
      payload.on('end', () => done(null))
      payload.on('error', done)
    })
    const byPath = (request: FastifyRequest) => (request.params as {id: string}).id
    const byHeader = (request: FastifyRequest) => {
      const named = request.raw.headersDistinct[DEPLOYMENT_HEADER] ?? []
      if (named.length > 1) throw new HttpProblem(400, 'invalid_request', 'send the X-Accessctl-Deployment header once')
      if (named.length === 0 || named[0].trim() === '') {
        throw new HttpProblem(400, 'invalid_request', 'name the deployment in the X-Accessctl-Deployment header')
      }

      return named[0].trim()
    }

    // The `/*` forms take Envoy's path_prefix, which appends the client's path.
    for (const url of ['/v1/deployments/:id/authorize', '/v1/deployments/:id/authorize/*']) {
      scope.route({method: ANY_METHOD, url, handler: (request, reply) => authorize(request, reply, byPath)})
    }

    for (const url of ['/v1/authorize', '/v1/authorize/*']) {
      scope.route({method: ANY_METHOD, url, handler: (request, reply) => authorize(request, reply, byHeader)})
    }
  })

  function authorize(request: FastifyRequest, reply: FastifyReply, deploymentOf: (request: FastifyRequest) => string): FastifyReply {
    const note = request.accessctl!
    note.endpoint = 'authorize'
    const credential = credentialOf(request, decisions)
    const deploymentId = deploymentOf(request)
    let decision: ClientDecision
    try {
      decision = decisions.authorize(deploymentId, credential)
    } catch (error) {
      if (accessctlError(error)?.exitCode === 4) note.outcome = 'not_found'
      throw error
    }

    const {authorization} = decision
    note.deployment = authorization.deployment
    note.via = authorization.via ?? undefined
    note.keyId = authorization.keyId
    note.jti = authorization.jti
    note.account = decision.tokenAccountId ?? undefined
    if (authorization.admitted) {
      note.outcome = 'admitted'
      void reply.header('x-accessctl-via', authorization.via!).header('x-accessctl-deployment', authorization.deployment)
      if (authorization.keyId) void reply.header('x-accessctl-key-id', authorization.keyId)
      if (decision.tokenAccountId) void reply.header('x-accessctl-account', decision.tokenAccountId)
      if (authorization.jti) void reply.header('x-accessctl-token-id', authorization.jti)
      return reply.code(200).send(authorization)
    }

    if (decision.refusal === 'unauthenticated') {
      note.outcome = 'unauthenticated'
      void reply.header('www-authenticate', decision.invalidToken ? `${REALM}, error="invalid_token"` : REALM)
      return reply.code(401).send(authorization)
    }

    note.outcome = 'forbidden'
    if (decision.tokenAccountId) void reply.header('www-authenticate', `${REALM}, error="insufficient_scope"`)
    return reply.code(403).send(authorization)
  }

  const tokenSchema = {type: 'string', minLength: 1, maxLength: SERVE_LIMITS.tokenChars}
  const nameSchema = {type: 'string', minLength: 1, maxLength: 200}
  const optionalName = {anyOf: [nameSchema, {type: 'null'}]}

  app.post<{Body: {token: string}}>(
    '/v1/tokens/verify',
    {schema: {body: {type: 'object', required: ['token'], additionalProperties: false, properties: {token: tokenSchema}}}},
    (request) => {
      request.accessctl!.endpoint = 'verify'
      const verdict = decisions.verify(request.body.token)
      request.accessctl!.outcome = verdict.valid ? 'valid' : 'invalid'
      request.accessctl!.account = verdict.valid ? (verdict.accountId ?? undefined) : undefined
      return verdict
    },
  )

  app.post<{Body: {token: string; function: string; resource: string; account?: string | null; entity?: string | null}}>(
    '/v1/tokens/check',
    {
      schema: {
        body: {
          type: 'object',
          required: ['token', 'function', 'resource'],
          additionalProperties: false,
          properties: {token: tokenSchema, function: nameSchema, resource: nameSchema, account: optionalName, entity: optionalName},
        },
      },
    },
    (request) => {
      const note = request.accessctl!
      note.endpoint = 'check'
      const {body} = request
      const check = decisions.check(body.token, {
        function: body.function,
        resource: body.resource,
        account: body.account ?? null,
        entity: body.entity ?? null,
      })
      note.outcome = !check.valid ? 'invalid' : check.allowed ? 'allowed' : 'denied'
      note.account = check.valid ? (check.accountId ?? undefined) : undefined
      return check
    },
  )

  app.addHook('onClose', (_instance, done) => {
    metrics.registry.clear()
    done()
  })
  return app
}

const DECISION_ENDPOINTS = new Set<Endpoint>(['authorize', 'check', 'verify'])

/**
 * The client's credential: `X-API-Key: KEY`, or `Authorization: Bearer VALUE` where VALUE is a query key or a token.
 * An ambiguous or empty one is refused, never read loosely: a credential header sent more than once (in any case of
 * its name), X-API-Key and Authorization together (whatever the scheme), an empty or blank value, or Bearer with no
 * value. The headers are read as sent (headersDistinct): Node keeps only the first Authorization in `headers`, and
 * joins repeated X-API-Keys with commas. An Authorization of another scheme (Basic) alone is no credential.
 */
function credentialOf(request: FastifyRequest, decisions: DecisionPoint): ClientCredential {
  const invalid = (message: string) => new HttpProblem(401, 'invalid_request', message, {'www-authenticate': `${REALM}, error="invalid_request"`})
  const [apiKeys, authorizations] = CREDENTIAL_HEADERS.map((name) => request.raw.headersDistinct[name] ?? [])
  if (apiKeys.length > 1 || authorizations.length > 1) throw invalid('send a credential header once: it was sent more than once')
  if (apiKeys.length > 0 && authorizations.length > 0) throw invalid('give one credential: X-API-Key or Authorization, not both')
  if (apiKeys.length > 0) {
    const key = apiKeys[0].trim()
    if (key === '') throw invalid('the X-API-Key header is empty')
    return {kind: 'key', key}
  }

  if (authorizations.length === 0) return {kind: 'none'}
  const authorization = authorizations[0].trim()
  if (authorization === '') throw invalid('the Authorization header is empty')
  if (!/^bearer(\s|$)/i.test(authorization)) return {kind: 'none'}
  const bearer = authorization.slice(6).trim()
  if (bearer === '') throw invalid('the Authorization: Bearer header has no value')
  if (bearer.length > SERVE_LIMITS.tokenChars) throw invalid(`the bearer value is over ${SERVE_LIMITS.tokenChars} characters`)
  return decisions.bearerCredential(bearer)
}

/**
 * What Node's parser lets through but HTTP/1.1 forbids, and Node would otherwise answer with an empty body: no Host
 * (HTTP/1.1) or more than one, and an Expect other than 100-continue.
 */
function framingProblem(raw: IncomingMessage): HttpProblem | undefined {
  const hosts = raw.headersDistinct.host?.length ?? 0
  if (hosts > 1 || (hosts === 0 && raw.httpVersion !== '1.0')) {
    return new HttpProblem(400, 'malformed_request', 'an HTTP/1.1 request has exactly one Host header')
  }

  const expect = raw.headers.expect
  if (expect !== undefined && expect.trim().toLowerCase() !== '100-continue') {
    return new HttpProblem(417, 'expectation_failed', 'the only Expect serve meets is 100-continue')
  }

  return undefined
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(',').some((candidate) => {
    const tag = candidate.trim()
    return tag === '*' || tag === etag || tag === `W/${etag}`
  })
}

/** One of accessctl's errors (src/errors.ts), known by its shape: a code of its vocabulary and an exit code. */
function accessctlError(error: unknown): AccessctlError | undefined {
  if (!(error instanceof Error)) return undefined
  const {exitCode, code} = error as Partial<AccessctlError>
  return typeof exitCode === 'number' && ACCESSCTL_CODES.has(String(code)) ? (error as AccessctlError) : undefined
}

const ACCESSCTL_CODES = new Set(['conflict', 'denied', 'internal', 'invalid_input', 'not_found', 'store_unusable'])
/** Exit code of the CLI to HTTP status: usage 400, denied 403, not found 404, conflict 409, store unusable 503. */
const STATUS_BY_EXIT: Record<number, number> = {2: 400, 3: 403, 4: 404, 5: 409, 6: 503}

/**
 * The message of one of accessctl's errors, by endpoint and code: the domain's own message quotes what was asked (a
 * deployment id, a function name) or the store's path, which an answer must not echo.
 */
const DOMAIN_MESSAGES: Partial<Record<`${Endpoint | 'any'}:${string}`, string>> = {
  'authorize:invalid_input': 'the deployment id is not a valid id',
  'authorize:not_found': 'no such deployment',
  'check:invalid_input': 'the function, resource, account or entity is not valid (see accessctl tokens check --help)',
  'any:invalid_input': 'the request is not valid',
  'any:not_found': 'not found',
  'any:denied': 'denied',
  'any:conflict': 'conflict',
  'any:store_unusable': 'the store cannot be read now',
}

/** Errors raised by fastify or Node's parser, by their code: [status, code of the answer, message]. */
const KNOWN_ERRORS: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'send the request body as Content-Type: application/json'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large', `the request body is over ${SERVE_LIMITS.bodyBytes} bytes`],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_request', 'the request body is empty'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_request', 'the request body is not JSON (or has a __proto__ or constructor key)'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_request', 'the request body does not match its Content-Length'],
  FST_ERR_BAD_URL: [400, 'invalid_request', 'the request path has a malformed %-escape'],
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri_too_long', `a path segment is over ${SERVE_LIMITS.paramChars} characters`],
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', `the request line and headers are over ${SERVE_LIMITS.headerBytes} bytes`],
  ACCESSCTL_CONNECT_METHOD: [501, 'not_implemented', 'serve is not a proxy: CONNECT is not supported'],
}

/** An error of Node's HTTP parser (the clientError event), with the bytes it could not parse (a Buffer). */
type ParseError = Error & {code?: string; rawPacket?: unknown}

/** A CONNECT request, which Node hands to the server's `connect` event rather than to fastify. */
class ConnectMethod extends Error {
  readonly code = 'ACCESSCTL_CONNECT_METHOD'
}

/** A request line of the form METHOD SP target SP HTTP/x.y: an unknown method, rather than bytes that are not HTTP. */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/\d\.\d\r?\n/

/** The one place that gives anything thrown its status, code and message (see HttpProblem). */
function toProblem(error: unknown, context: {endpoint?: Endpoint; requestTimeoutMs?: number} = {}): HttpProblem {
  if (error instanceof HttpProblem) return error
  const known = accessctlError(error)
  if (known && STATUS_BY_EXIT[known.exitCode]) {
    const message = DOMAIN_MESSAGES[`${context.endpoint ?? 'any'}:${known.code}`] ?? DOMAIN_MESSAGES[`any:${known.code}`] ?? 'the request failed'
    return new HttpProblem(STATUS_BY_EXIT[known.exitCode], known.code, message, known.exitCode === 6 ? {'retry-after': '1'} : {})
  }

  const {code, statusCode: status, validation, rawPacket} = error as Partial<FastifyError> & ParseError
  const fixed = code === undefined ? undefined : KNOWN_ERRORS[code]
  if (fixed) return new HttpProblem(...fixed)
  // ajv's message names the schema's properties and limits, never the value sent.
  if (validation) return new HttpProblem(400, 'invalid_input', `the request body ${(error as Error).message.replace(/^body\s*/, '')}`)
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new HttpProblem(408, 'request_timeout', `the request did not arrive within ${(context.requestTimeoutMs ?? 0) / 1000} s`)
  }

  if (code === 'HPE_INVALID_METHOD' && Buffer.isBuffer(rawPacket) && REQUEST_LINE.test(rawPacket.toString('latin1'))) {
    return new HttpProblem(501, 'not_implemented', 'the request method is not one serve knows')
  }

  if (code?.startsWith('HPE_')) return new HttpProblem(400, 'malformed_request', 'the request is not valid HTTP')
  if (status !== undefined && status >= 400 && status < 500) {
    return new HttpProblem(status, 'invalid_request', `the request was refused: ${STATUS_CODES[status] ?? status}`)
  }

  return new HttpProblem(500, 'internal', 'internal error')
}

function createMetrics(cluster?: ClusterMembership) {
  const registry = cluster?.registry ?? new Registry()
  collectDefaultMetrics({register: registry, prefix: 'accessctl_', labels: cluster?.processLabels})
  return {
    registry,
    decisions: new Counter({
      name: 'accessctl_decisions_total',
      help: 'Decisions answered, by endpoint (authorize, verify, check) and outcome.',
      labelNames: ['endpoint', 'outcome'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'accessctl_http_request_duration_seconds',
      help: 'Time from a request arriving to its response being sent, by endpoint and status.',
      labelNames: ['endpoint', 'status'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
  }
}
