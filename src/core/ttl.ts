import {UsageError} from '../errors.js'
import {preview} from './text.js'

const UNIT_SECONDS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86_400, w: 604_800}

/** A hundred years: far enough for any real token, near enough that `exp` stays a safe integer date. */
export const MAX_DURATION_SECONDS = 100 * 365 * 86_400

/** The most of each unit that fits in MAX_DURATION_SECONDS: 3153600000s, 52560000m, 876000h, 36500d, 5214w. */
export const MAX_DURATION_OF_UNIT: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(UNIT_SECONDS).map(([unit, seconds]) => [unit, Math.floor(MAX_DURATION_SECONDS / seconds)]),
)

/** Digits of the cap in seconds: a number with more (leading zeros aside) is too long in every unit. */
const MAX_DIGITS = String(MAX_DURATION_SECONDS).length

/**
 * The one duration grammar of accessctl (--ttl, --since, --request-timeout, the ttl prompt): ASCII digits, then
 * one unit letter, and nothing else, not even white space around them. Any number of digits: how long the number
 * is decides nothing but "too long", which says the same for every unit.
 */
const DURATION = /^([0-9]+)([smhdw])$/

/**
 * Parses a duration like `30m`, `12h`, `90d`, `2w` or `45s` into whole seconds, between one second and 100 years.
 * One number and one unit: the shortest form that reads the same to everyone, and no floating point that could
 * round a ttl up. `flag` names the flag it came from (--ttl, --since) in messages. The cap is the same number of
 * seconds whatever the unit: 36500d is accepted exactly when 3153600000s is.
 */
export function parseTtl(text: string, flag = '--ttl'): number {
  const match = DURATION.exec(text)
  if (!match) {
    throw new UsageError(`${flag} '${preview(text)}' is not a duration: use a whole number and a unit, like 45s, 30m, 12h, 90d or 2w`)
  }

  const digits = match[1].replace(/^0+(?=.)/, '')
  const seconds = digits.length > MAX_DIGITS ? Number.POSITIVE_INFINITY : Number(digits) * UNIT_SECONDS[match[2]]
  if (seconds === 0) throw new UsageError(`${flag} must be longer than zero; got '${preview(text)}'`)
  if (seconds > MAX_DURATION_SECONDS) {
    throw new UsageError(`${flag} '${preview(text)}' is too long: at most 100 years (${MAX_DURATION_SECONDS}s, ${MAX_DURATION_OF_UNIT.d}d)`)
  }

  return seconds
}

/** The shortest exact rendering of a number of seconds, for messages: 86400 → `1d`, 5400 → `90m`. */
export function formatTtl(seconds: number): string {
  for (const unit of ['w', 'd', 'h', 'm'] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`
  }

  return `${seconds}s`
}
