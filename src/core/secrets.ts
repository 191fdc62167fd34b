import {hash, randomBytes, timingSafeEqual} from 'node:crypto'

/**
 * Keys (admin keys, service and deployment query keys) are 32 random bytes, base64url, behind a prefix that says
 * what they are (so a leaked one is recognised by secret scanners and by people). Only their SHA-256 is stored.
 */
export const KEY_PREFIXES = {admin: 'acak_', service: 'acsk_', deployment: 'acdk_'} as const

export function newSecretKey(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`
}

export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex')
}

/** Compares two hex digests in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right)
}

/** A short public id for a key, derived from nothing secret. */
export function newKeyId(): string {
  return randomBytes(8).toString('hex')
}
