import type {FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import {createHash} from 'node:crypto'
import {type IncomingMessage, METHODS} from 'node:http'

import type {ClientDecision, DecisionPoint} from '../domain/decision-point.js'
import type {RequestNote} from './access-log.js'
import {credentialOf, deploymentFromHeader, REALM} from './credentials.js'
import {SERVE_LIMITS} from './limits.js'
import type {ClusterMembership, ServeMetrics} from './metrics.js'
import {HttpProblem} from './problems.js'

/**
 * serve's endpoints, each a few lines over DecisionPoint: what to ask it, and how its answer becomes a status, headers
 * and a body. Each handler notes what it learned (RequestNote) for the access log and the metrics.
 */

declare module 'fastify' {
  interface FastifyRequest {
    accessctl: RequestNote | null
  }
}

/**
 * Every method Node parses: Envoy's ext_authz sends the client's own method, nginx and Traefik send GET. CONNECT asks
 * for a tunnel, which serve does not make (the server's `connect` event answers it with a 501).
 */
export const ANY_METHOD = METHODS.filter((method) => method !== 'CONNECT')

/** An answer to forward authentication, made of a decision. */
export interface AuthorizeAnswer {
  status: 200 | 401 | 403
  headers: Record<string, string>
  body: ClientDecision['authorization']
}

/**
 * Forward authentication: the credential of `raw`'s headers checked for `deploymentOf`'s deployment. Notes the
 * decision; throws an HttpProblem for an ambiguous credential and the DecisionPoint's errors (a malformed or unknown
 * deployment, an unusable store).
 */
export function authorize(decisions: DecisionPoint, raw: IncomingMessage, deploymentOf: () => string, note: RequestNote): AuthorizeAnswer {
  note.endpoint = 'authorize'
  const credential = credentialOf(raw, decisions)
  const deploymentId = deploymentOf()
  const decision = decisions.authorize(deploymentId, credential)
  const {authorization} = decision
  note.deployment = authorization.deployment
  note.via = authorization.via ?? undefined
  note.keyId = authorization.keyId
  note.jti = authorization.jti
  note.account = decision.tokenAccountId ?? undefined
  if (authorization.admitted) {
    note.outcome = 'admitted'
    const headers: Record<string, string> = {'x-accessctl-via': authorization.via!, 'x-accessctl-deployment': authorization.deployment}
    if (authorization.keyId) headers['x-accessctl-key-id'] = authorization.keyId
    if (decision.tokenAccountId) headers['x-accessctl-account'] = decision.tokenAccountId
    if (authorization.jti) headers['x-accessctl-token-id'] = authorization.jti
    return {status: 200, headers, body: authorization}
  }

  if (decision.refusal === 'unauthenticated') {
    note.outcome = 'unauthenticated'
    return {status: 401, headers: {'www-authenticate': decision.invalidToken ? `${REALM}, error="invalid_token"` : REALM}, body: authorization}
  }

  note.outcome = 'forbidden'
  return {status: 403, headers: decision.tokenAccountId ? {'www-authenticate': `${REALM}, error="insufficient_scope"`} : {}, body: authorization}
}

interface RouteContext {
  decisions: DecisionPoint
  metrics: ServeMetrics
  /** With --workers: /readyz waits for every worker. */
  cluster?: ClusterMembership
}

export function registerRoutes(app: FastifyInstance, {decisions, metrics, cluster}: RouteContext): void {
  const noteOf = (request: FastifyRequest) => request.accessctl!

  app.setNotFoundHandler(() => {
    throw new HttpProblem(404, 'not_found', 'no such endpoint')
  })

  app.get('/healthz', (request) => {
    noteOf(request).endpoint = 'healthz'
    return {status: 'ok'}
  })

  app.get('/readyz', (request) => {
    noteOf(request).endpoint = 'readyz'
    if (cluster && !cluster.everyWorkerReady()) {
      throw new HttpProblem(503, 'not_ready', 'not every worker is ready yet', {'retry-after': '1'})
    }

    const readiness = decisions.ready()
    return {status: 'ready', schemaVersion: readiness.schemaVersion, access: readiness.access}
  })

  app.get('/metrics', async (request, reply) => {
    noteOf(request).endpoint = 'metrics'
    const text = await metrics.text()
    return reply.type(metrics.contentType).send(text)
  })

  app.get('/.well-known/jwks.json', (request, reply) => {
    noteOf(request).endpoint = 'jwks'
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
    const send = (reply: FastifyReply, answer: AuthorizeAnswer) => reply.code(answer.status).headers(answer.headers).send(answer.body)
    const byPath = (request: FastifyRequest) => () => (request.params as {id: string}).id

    // The `/*` forms take Envoy's path_prefix, which appends the client's path.
    for (const url of ['/v1/deployments/:id/authorize', '/v1/deployments/:id/authorize/*']) {
      scope.route({method: ANY_METHOD, url, handler: (request, reply) => send(reply, authorize(decisions, request.raw, byPath(request), noteOf(request)))})
    }

    for (const url of ['/v1/authorize', '/v1/authorize/*']) {
      scope.route({
        method: ANY_METHOD,
        url,
        handler: (request, reply) => send(reply, authorize(decisions, request.raw, () => deploymentFromHeader(request.raw), noteOf(request))),
      })
    }
  })

  const tokenSchema = {type: 'string', minLength: 1, maxLength: SERVE_LIMITS.tokenChars}
  const nameSchema = {type: 'string', minLength: 1, maxLength: 200}
  const optionalName = {anyOf: [nameSchema, {type: 'null'}]}

  app.post<{Body: {token: string}}>(
    '/v1/tokens/verify',
    {schema: {body: {type: 'object', required: ['token'], additionalProperties: false, properties: {token: tokenSchema}}}},
    (request) => {
      const note = noteOf(request)
      note.endpoint = 'verify'
      const verdict = decisions.verify(request.body.token)
      note.outcome = verdict.valid ? 'valid' : 'invalid'
      note.account = verdict.valid ? (verdict.accountId ?? undefined) : undefined
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
      const note = noteOf(request)
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
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(',').some((candidate) => {
    const tag = candidate.trim()
    return tag === '*' || tag === etag || tag === `W/${etag}`
  })
}
