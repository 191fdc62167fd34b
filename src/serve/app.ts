import Fastify, {type FastifyInstance, type FastifyReply} from 'fastify'
import {createServer, type IncomingMessage, STATUS_CODES} from 'node:http'
import type {Socket} from 'node:net'

import type {DecisionPoint} from '../domain/decision-point.js'
import {type AccessLogEntry, type Answer, accessLogEntry, type RequestNote} from './access-log.js'
import {SERVE_LIMITS} from './limits.js'
import {fastLane} from './fast-lane.js'
import {type ClusterMembership, ServeMetrics} from './metrics.js'
import {type AccessctlErrorClass, CONNECT_PROBLEM, errorBody, framingProblem, HttpProblem, invalidBody, noteProblem, type ParseError, Problems} from './problems.js'
import {ANY_METHOD, registerRoutes} from './routes.js'

/**
 * The HTTP face of `accessctl serve`, assembled: a node:http server set up for gateways, whose forward-auth requests
 * in their common shape go straight to their answer (fast-lane.ts) and the rest to fastify, the routes (routes.ts)
 * over a DecisionPoint, one error contract (problems.ts), and every answer counted (metrics.ts) and logged
 * (access-log.ts), whoever made it. These modules (and fastify and prom-client with them) are loaded
 * only by the serve command, and import nothing of accessctl's own at run time (only types): the single executable
 * carries them as a separate bundle (src/serve/loader.ts), which must share no class with the main one, so the
 * class of accessctl's errors is handed in (AppOptions.accessctlError).
 */

export {SERVE_LIMITS} from './limits.js'
export type {AccessLogEntry} from './access-log.js'
export type {ClusterMembership} from './metrics.js'

export interface AppOptions {
  decisions: DecisionPoint
  /** AccessctlError of the bundle that made `decisions`: what its methods throw is told apart by this class. */
  accessctlError: AccessctlErrorClass
  /** The whole request (headers and body) must arrive within this; else a 408 and the connection is closed. */
  requestTimeoutMs: number
  /** Receives one entry per request (never a key or a token); undefined with --quiet. */
  accessLog?: (entry: AccessLogEntry) => void
  /** Counts the requests answered (HTTP errors included). */
  tally?: {answered: number}
  /** With --workers: what this worker shares with the others (src/serve/cluster.ts); undefined in a single process. */
  cluster?: ClusterMembership
}

const sendProblem = (reply: FastifyReply, problem: HttpProblem) =>
  void reply.code(problem.status).headers(problem.headers).send(errorBody(problem.code, problem.message))

export function buildApp(options: AppOptions): FastifyInstance {
  const {decisions, accessLog} = options
  const metrics = new ServeMetrics(options.cluster)
  const problems = new Problems(options.accessctlError, options.requestTimeoutMs)
  /** Every answer, whoever made it (a route, fastify's router, Node's parser), is counted and logged here. */
  const record = (answer: Answer, note: RequestNote = {}) => {
    if (options.tally) options.tally.answered++
    metrics.answered(note.endpoint, note.outcome, answer.status, answer.ms / 1000)
    accessLog?.(accessLogEntry(answer, note))
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
    record({method, route: '-', status: problem.status, ms: 0, remote}, {error: problem.code})
  }

  let closing = false
  const fastLaneAnswered = fastLane({decisions, problems, record, closing: () => closing})

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
    // A body that does not match its schema is an error of serve's own type (problems.ts maps errors by type).
    schemaErrorFormatter: invalidBody,
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
        // Forward authentication in its common shape goes straight to its answer; the rest to fastify.
        (request, response) => fastLaneAnswered(request, response) || handler(request, response),
      )
      // Node would answer these itself (417 with no body; CONNECT by closing the connection).
      server.on('checkExpectation', handler)
      server.on('connect', (request: IncomingMessage, socket: Socket) => answerOnSocket(socket, CONNECT_PROBLEM, request.method ?? '-'))
      return server
    },
    clientErrorHandler: (error: ParseError, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return
      answerOnSocket(socket, problems.of(error), '-')
    },
    // Fastify's router refuses a bad %-escape and an over-long parameter before any route or hook runs.
    frameworkErrors: (error, request, reply) => {
      const problem = problems.of(error)
      sendProblem(reply as FastifyReply, problem)
      record({method: request.method, route: '-', status: problem.status, ms: 0, remote: request.ip}, {error: problem.code})
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
    closing = true
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
    record({method: request.method, route: request.routeOptions.url ?? '-', status: reply.statusCode, ms: reply.elapsedTime, remote: request.ip}, request.accessctl ?? {})
    done()
  })

  app.setErrorHandler((error, request, reply) => {
    const note = (request.accessctl ??= {})
    const problem = problems.of(error, note.endpoint)
    noteProblem(note, problem, error)
    sendProblem(reply, problem)
  })

  registerRoutes(app, {decisions, metrics, cluster: options.cluster})

  app.addHook('onClose', (_instance, done) => {
    metrics.close()
    done()
  })
  return app
}
