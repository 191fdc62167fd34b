/**
 * The access log: one entry per answer, whoever made it. An entry holds the route's pattern, never the URL, and never
 * a key or a token: what a handler learned about the request (RequestNote) and how it was answered.
 */

export type Endpoint = 'authorize' | 'check' | 'healthz' | 'jwks' | 'metrics' | 'readyz' | 'verify'

/** What a handler learned, for the metrics and the access log. */
export interface RequestNote {
  endpoint?: Endpoint
  outcome?: string
  deployment?: string
  via?: string
  keyId?: string
  account?: string
  jti?: string
  error?: string
}

export interface AccessLogEntry extends RequestNote {
  time: string
  method: string
  /** The route's pattern, never the raw URL: a client may put anything in a path or a query string. */
  route: string
  status: number
  ms: number
  remote: string | undefined
}
