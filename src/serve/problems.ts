import {errorCodes} from 'fastify'
import {type IncomingMessage, STATUS_CODES} from 'node:http'

import type {AccessctlError, ErrorCode} from '../errors.js'
import type {Endpoint, RequestNote} from './access-log.js'
import {SERVE_LIMITS} from './limits.js'

/**
 * Every error answer of serve, whatever raised it: its status, the code of the JSON error body every endpoint uses,
 * and a message written here, which never quotes the request (nor a path of the server). Problems.of makes one of
 * anything thrown, by the type of what was thrown.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export const errorBody = (code: string, message: string) => ({error: {code, message}})

/**
 * The class accessctl's own errors derive from (src/errors.ts), as the bundle that made the DecisionPoint defines
 * it: the single executable evaluates serve's runtime from a bundle of its own (src/serve/loader.ts), which must
 * carry no class of accessctl's, so the serve command hands this one over rather than serve importing a copy whose
 * `instanceof` would never match.
 */
export type AccessctlErrorClass = abstract new (...args: never[]) => AccessctlError

/** A body that does not match its route's schema (fastify's schemaErrorFormatter makes it; see app.ts). */
export class InvalidBody extends Error {}

/**
 * ajv's errors as fastify's own formatter joins them (`body/token must be string`), with the leading `body` made
 * `the request body`: ajv's message names the schema's properties and limits, never the value sent.
 */
export function invalidBody(errors: ReadonlyArray<{instancePath?: string; message?: string}>, dataVar: string): InvalidBody {
  const text = errors.map((error) => `${dataVar}${error.instancePath ?? ''} ${error.message}`).join(', ')
  return new InvalidBody(`the request body ${text.replace(/^body\s*/, '')}`)
}

/** The HTTP status of each of accessctl's error codes: usage 400, denied 403, not found 404, conflict 409, store 503. */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  invalid_input: 400,
  denied: 403,
  not_found: 404,
  conflict: 409,
  store_unusable: 503,
  internal: 500,
}

/**
 * The message of one of accessctl's errors, by endpoint and code: the domain's own message quotes what was asked (a
 * deployment id, a function name) or the store's path, which an answer must not echo.
 */
const DOMAIN_MESSAGES: Partial<Record<`${Endpoint | 'any'}:${ErrorCode}`, string>> = {
  'authorize:invalid_input': 'the deployment id is not a valid id',
  'authorize:not_found': 'no such deployment',
  'check:invalid_input': 'the function, resource, account or entity is not valid (see accessctl tokens check --help)',
  'any:invalid_input': 'the request is not valid',
  'any:not_found': 'not found',
  'any:denied': 'denied',
  'any:conflict': 'conflict',
  'any:store_unusable': 'the store cannot be read now',
  'any:internal': 'internal error',
}

/** Fastify's errors, by their class: [status, code of the answer, message]. */
const FASTIFY_ERRORS: Array<[new (...args: never[]) => Error, [number, string, string]]> = [
  [errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE, [415, 'unsupported_media_type', 'send the request body as Content-Type: application/json']],
  [errorCodes.FST_ERR_CTP_BODY_TOO_LARGE, [413, 'body_too_large', `the request body is over ${SERVE_LIMITS.bodyBytes} bytes`]],
  [errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY, [400, 'invalid_request', 'the request body is empty']],
  [errorCodes.FST_ERR_CTP_INVALID_JSON_BODY, [400, 'invalid_request', 'the request body is not JSON (or has a __proto__ or constructor key)']],
  [errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH, [400, 'invalid_request', 'the request body does not match its Content-Length']],
  [errorCodes.FST_ERR_BAD_URL, [400, 'invalid_request', 'the request path has a malformed %-escape']],
  [errorCodes.FST_ERR_MAX_PARAM_LENGTH, [414, 'uri_too_long', `a path segment is over ${SERVE_LIMITS.paramChars} characters`]],
]

/**
 * An error of Node's HTTP parser (the clientError event). Node gives these no classes, only llhttp's codes
 * (HPE_...), and the bytes it could not parse (a Buffer).
 */
export type ParseError = Error & {code?: string; rawPacket?: unknown}

/** A request line of the form METHOD SP target SP HTTP/x.y: an unknown method, rather than bytes that are not HTTP. */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ \S+ HTTP\/\d\.\d\r?\n/

/** The one place that gives anything thrown its status, code and message (see HttpProblem). */
export class Problems {
  constructor(
    private readonly accessctlError: AccessctlErrorClass,
    private readonly requestTimeoutMs: number,
  ) {}

  of(error: unknown, endpoint?: Endpoint): HttpProblem {
    if (error instanceof HttpProblem) return error
    if (error instanceof this.accessctlError) {
      const message = DOMAIN_MESSAGES[`${endpoint ?? 'any'}:${error.code}`] ?? DOMAIN_MESSAGES[`any:${error.code}`] ?? 'the request failed'
      return new HttpProblem(STATUS_BY_CODE[error.code], error.code, message, error.code === 'store_unusable' ? {'retry-after': '1'} : {})
    }

    if (error instanceof InvalidBody) return new HttpProblem(400, 'invalid_input', error.message)
    for (const [type, fixed] of FASTIFY_ERRORS) if (error instanceof type) return new HttpProblem(...fixed)
    return this.ofNode(error as ParseError & {statusCode?: number})
  }

  /** Node's own errors (its HTTP parser's, the request timeout), known by their codes, and any other 4xx. */
  private ofNode(error: ParseError & {statusCode?: number}): HttpProblem {
    const {code, statusCode: status, rawPacket} = error
    if (code === 'HPE_HEADER_OVERFLOW') {
      return new HttpProblem(431, 'headers_too_large', `the request line and headers are over ${SERVE_LIMITS.headerBytes} bytes`)
    }

    if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new HttpProblem(408, 'request_timeout', `the request did not arrive within ${this.requestTimeoutMs / 1000} s`)
    if (code === 'HPE_INVALID_METHOD' && Buffer.isBuffer(rawPacket) && REQUEST_LINE.test(rawPacket.toString('latin1'))) {
      return new HttpProblem(501, 'not_implemented', 'the request method is not one serve knows')
    }

    if (code?.startsWith('HPE_')) return new HttpProblem(400, 'malformed_request', 'the request is not valid HTTP')
    if (status !== undefined && status >= 400 && status < 500) {
      return new HttpProblem(status, 'invalid_request', `the request was refused: ${STATUS_CODES[status] ?? status}`)
    }

    return new HttpProblem(500, 'internal', 'internal error')
  }
}

/** A CONNECT request, which Node hands to the server's `connect` event rather than to fastify. */
export const CONNECT_PROBLEM = new HttpProblem(501, 'not_implemented', 'serve is not a proxy: CONNECT is not supported')

/**
 * What Node's parser lets through but HTTP/1.1 forbids, and Node would otherwise answer with an empty body: no Host
 * (HTTP/1.1) or more than one, and an Expect other than 100-continue.
 */
export function framingProblem(raw: IncomingMessage): HttpProblem | undefined {
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

/**
 * What the access log keeps of an error answer: the outcome, unless the handler already knew it (a decision endpoint
 * asked about what does not exist says not_found; other refusals are the request's), and the code, with the reason
 * of a server-side failure (e.g. the store's path and what is wrong), which the answer itself never tells.
 */
export function noteProblem(note: RequestNote, problem: HttpProblem, error: unknown): void {
  note.outcome ??= problem.status >= 500 ? 'error' : problem.code === 'not_found' && note.endpoint ? 'not_found' : 'invalid_request'
  note.error = problem.status >= 500 ? `${problem.code}: ${(error as Error).message}` : problem.code
}
