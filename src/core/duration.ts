import {UsageError} from '../errors.js'

const UNIT_MS = {s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000} as const

/**
 * Parses a duration such as `30m`, `12h`, `90d` or `1h30m` into milliseconds. A bare number is refused: `90`
 * could mean seconds or days, and a token's lifetime is no place to guess.
 */
export function parseDuration(text: string, flag = '--ttl'): number {
  const trimmed = text.trim()
  const parts = [...trimmed.matchAll(/(\d+)([smhdw])/g)]
  const consumed = parts.map((p) => p[0]).join('')
  if (parts.length === 0 || consumed !== trimmed) {
    throw new UsageError(`${flag} takes a duration like 30m, 12h, 90d or 1h30m (units s m h d w); got '${text}'`)
  }

  const ms = parts.reduce((sum, [, amount, unit]) => sum + Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS], 0)
  if (ms <= 0 || !Number.isSafeInteger(ms)) throw new UsageError(`${flag} must be a positive duration; got '${text}'`)
  return ms
}
