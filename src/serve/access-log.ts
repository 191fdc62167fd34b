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

/** How a request was answered, whoever answered it. */
export interface Answer {
  method: string
  route: string
  status: number
  /** From the request's arrival to its answer being sent. */
  ms: number
  remote: string | undefined
}

let entryMs = Number.NaN
let entryIso = ''

/**
 * The time of an entry: made once per millisecond rather than once per entry, since under load many answers share
 * a millisecond and formatting a date costs as much as the rest of the entry.
 */
function entryTime(): string {
  const now = Date.now()
  if (now !== entryMs) {
    entryMs = now
    entryIso = new Date(now).toISOString()
  }

  return entryIso
}

/** The access log entry of an answer: what was answered, then what the handler learned. */
export function accessLogEntry(answer: Answer, note: RequestNote): AccessLogEntry {
  return {time: entryTime(), ...answer, ms: Math.round(answer.ms * 100) / 100, ...note}
}
