import {UsageError} from '../errors.js'
import {preview} from './text.js'

const UNIT_SECONDS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86_400, w: 604_800}

/** A hundred years: far enough for any real token, near enough that `exp` stays a safe integer date. */
const MAX_DURATION_SECONDS = 100 * 365 * 86_400

/**
 * Parses a duration like `30m`, `12h`, `90d`, `2w` or `45s` into whole seconds, between one second and 100 years.
 * One number and one unit: the shortest form that reads the same to everyone, and no floating point that could
 * round a ttl up. `flag` names the flag it came from (--ttl, --since) in messages.
 */
export function parseTtl(text: string, flag = '--ttl'): number {
  const match = /^(\d{1,9})([smhdw])$/.exec(text.trim())
  if (!match) {
    throw new UsageError(`${flag} '${preview(text)}' is not a duration: use a whole number and a unit, like 45s, 30m, 12h, 90d or 2w`)
  }

  const seconds = Number(match[1]) * UNIT_SECONDS[match[2]]
  if (seconds === 0) throw new UsageError(`${flag} must be longer than zero; got '${preview(text)}'`)
  if (seconds > MAX_DURATION_SECONDS) throw new UsageError(`${flag} '${preview(text)}' is too long: at most 100 years`)
  return seconds
}

/** The shortest exact rendering of a number of seconds, for messages: 86400 → `1d`, 5400 → `90m`. */
export function formatTtl(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`
  }

  return `${seconds}s`
}
