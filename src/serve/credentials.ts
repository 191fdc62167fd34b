import type {IncomingMessage} from 'node:http'

import type {DecisionPoint} from '../domain/decision-point.js'
import type {ClientCredential} from '../domain/query-auth.js'
import {SERVE_LIMITS} from './limits.js'
import {HttpProblem} from './problems.js'

/**
 * What forward authentication reads from a request's headers: the client's credential and, on /v1/authorize, the
 * deployment. The headers are read as sent (`headersDistinct`): Node keeps only the first Authorization in
 * `headers`, and joins repeated X-API-Keys with commas, and a credential must never be read loosely.
 */

export const REALM = 'Bearer realm="accessctl"'
const DEPLOYMENT_HEADER = 'x-accessctl-deployment'

const invalidCredential = (message: string) =>
  new HttpProblem(401, 'invalid_request', message, {'www-authenticate': `${REALM}, error="invalid_request"`})

/**
 * The client's credential: `X-API-Key: KEY`, or `Authorization: Bearer VALUE` where VALUE is a query key or a token.
 * An ambiguous or empty one is refused, never read loosely: a credential header sent more than once (in any case of
 * its name), X-API-Key and Authorization together (whatever the scheme), an empty or blank value, or Bearer with no
 * value. An Authorization of another scheme (Basic) alone is no credential.
 */
export function credentialOf(raw: IncomingMessage, decisions: DecisionPoint): ClientCredential {
  const apiKeys = raw.headersDistinct['x-api-key'] ?? []
  const authorizations = raw.headersDistinct.authorization ?? []
  if (apiKeys.length > 1 || authorizations.length > 1) throw invalidCredential('send a credential header once: it was sent more than once')
  if (apiKeys.length > 0 && authorizations.length > 0) throw invalidCredential('give one credential: X-API-Key or Authorization, not both')
  if (apiKeys.length > 0) {
    const key = apiKeys[0].trim()
    if (key === '') throw invalidCredential('the X-API-Key header is empty')
    return {kind: 'key', key}
  }

  if (authorizations.length === 0) return {kind: 'none'}
  const authorization = authorizations[0].trim()
  if (authorization === '') throw invalidCredential('the Authorization header is empty')
  if (!/^bearer(\s|$)/i.test(authorization)) return {kind: 'none'}
  const bearer = authorization.slice(6).trim()
  if (bearer === '') throw invalidCredential('the Authorization: Bearer header has no value')
  if (bearer.length > SERVE_LIMITS.tokenChars) throw invalidCredential(`the bearer value is over ${SERVE_LIMITS.tokenChars} characters`)
  return decisions.bearerCredential(bearer)
}

/** The deployment /v1/authorize asks about: the X-Accessctl-Deployment header, sent once, with a value. */
export function deploymentFromHeader(raw: IncomingMessage): string {
  const named = raw.headersDistinct[DEPLOYMENT_HEADER] ?? []
  if (named.length > 1) throw new HttpProblem(400, 'invalid_request', 'send the X-Accessctl-Deployment header once')
  if (named.length === 0 || named[0].trim() === '') {
    throw new HttpProblem(400, 'invalid_request', 'name the deployment in the X-Accessctl-Deployment header')
  }

  return named[0].trim()
}
