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
