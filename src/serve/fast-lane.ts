import type {IncomingMessage, ServerResponse} from 'node:http'

import type {DecisionPoint} from '../domain/decision-point.js'
import type {Answer, RequestNote} from './access-log.js'
import {deploymentFromHeader} from './credentials.js'
import {SERVE_LIMITS} from './limits.js'
import {errorBody, framingProblem, noteProblem, type Problems} from './problems.js'
import {authorize} from './routes.js'

/**
 * Forward authentication answered straight on node:http, without fastify: the request gateways send at the rate of
 * their own traffic. A CPU profile under wrk put fastify's routing, hooks, reply and serialisation at about a fifth
 * of serve's own time per request (see docs/benchmarks.md), for a request that has no body to parse and one JSON
 * document to answer with.
 *
 * It takes only the plain, common shape of the request, and hands anything else to fastify, whose routes for the
 * same paths (routes.ts) answer it through the same `authorize`: a path with a %-escape or an over-long id (fastify
 * decodes and limits them), a request with a body (fastify reads and drops it first), HEAD, and framing fastify's
 * onRequest hook refuses (no Host, two, an Expect). So both lanes give the same status, headers, body, log line and
 * metrics; test/commands/serve/fast-lane.test.ts asks both the same questions.
 */

/** The forward-auth paths, before any `?` or `#`: the deployment in the path or in a header, and Envoy's suffix. */
const FORWARD_AUTH_PATH = /^\/v1\/(?:deployments\/([^/]+)\/)?authorize(\/.*)?$/

export interface FastLaneOptions {
  decisions: DecisionPoint
  problems: Problems
  /** Counts and logs an answer, as every other answer is (see app.ts). */
  record: (answer: Answer, note: RequestNote) => void
  /** True once the server is stopping: answers then close their connection, as fastify's do. */
  closing: () => boolean
}

/** Returns a request handler that answers what it takes and returns false for what fastify must answer. */
export function fastLane(options: FastLaneOptions): (request: IncomingMessage, response: ServerResponse) => boolean {
  const {decisions, problems, record} = options
  return (request, response) => {
    const started = performance.now()
    const url = request.url ?? ''
    const end = pathEnd(url)
    if (url.lastIndexOf('%', end) !== -1 || request.method === 'HEAD') return false
    const match = FORWARD_AUTH_PATH.exec(end === url.length ? url : url.slice(0, end))
    if (!match) return false
    const [, pathId, suffix] = match
    if (pathId !== undefined && pathId.length > SERVE_LIMITS.paramChars) return false
    const {headers} = request
    if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) return false
    if (framingProblem(request)) return false

    const route = pathId === undefined ? (suffix === undefined ? '/v1/authorize' : '/v1/authorize/*') : suffix === undefined ? BY_PATH : BY_PATH_SUFFIX
    const note: RequestNote = {}
    let status: number
    let answerHeaders: Record<string, string>
    let body: string
    try {
      const answer = authorize(decisions, request, pathId === undefined ? () => deploymentFromHeader(request) : () => pathId, note)
      status = answer.status
      answerHeaders = answer.headers
      body = JSON.stringify(answer.body)
    } catch (error) {
      const problem = problems.of(error, note.endpoint)
      noteProblem(note, problem, error)
      status = problem.status
      answerHeaders = {...problem.headers}
      body = JSON.stringify(errorBody(problem.code, problem.message))
    }

    if (options.closing()) response.setHeader('connection', 'close')
    // Read now: a response queued behind another on its connection has no socket until that one is sent.
    const remote = request.socket.remoteAddress
    const answered = () => record({method: request.method!, route, status, ms: performance.now() - started, remote}, note)

    // A request pipelined behind one still being answered waits for it (Node sends answers in order): its line is
    // then logged once it is sent, after the earlier one's, as fastify's onResponse would.
    const queued = response.socket === null
    if (queued) response.once('finish', answered)
    answerHeaders['content-type'] = 'application/json; charset=utf-8'
    answerHeaders['content-length'] = String(Buffer.byteLength(body))
    response.writeHead(status, answerHeaders)
    response.end(body)
    if (!queued) answered()
    return true
  }
}

const BY_PATH = '/v1/deployments/:id/authorize'
const BY_PATH_SUFFIX = '/v1/deployments/:id/authorize/*'

/** Where the path of a request target ends: at its query (`?`) or a fragment (`#`), as fastify's router reads it. */
function pathEnd(url: string): number {
  const query = url.indexOf('?')
  const fragment = url.indexOf('#')
  if (query === -1) return fragment === -1 ? url.length : fragment
  return fragment === -1 ? query : Math.min(query, fragment)
}
