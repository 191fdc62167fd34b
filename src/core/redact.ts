/**
 * What a key or a token looks like, anywhere in a text: a key prefix followed by its body, or a JWT (a base64url
 * JSON header, `eyJ`, and at least its payload). Wrong, truncated or mistyped ones included: a near-miss is still
 * most of a secret.
 */
const SECRET_LOOKALIKES = /(ac[asd]k)[_-][A-Za-z0-9_-]{8,}|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g

/** Whether a text holds something that looks like a key or a token. */
export function looksSecret(text: string): boolean {
  SECRET_LOOKALIKES.lastIndex = 0
  const found = SECRET_LOOKALIKES.test(text)
  SECRET_LOOKALIKES.lastIndex = 0
  return found
}

/**
 * The text with every key or token in it replaced by what kind of secret it was, for messages and the audit log:
 * no secret, not even a wrong one, is ever repeated back.
 */
export function redactSecrets(text: string): string {
  return text.replaceAll(SECRET_LOOKALIKES, (_match, prefix: string | undefined) => (prefix ? `${prefix}_<redacted>` : '<redacted token>'))
}
