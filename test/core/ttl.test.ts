import {describe, expect, it} from 'vitest'

import {formatTtl, MAX_DURATION_OF_UNIT, MAX_DURATION_SECONDS, parseTtl} from '../../src/core/ttl.js'
import {UsageError} from '../../src/errors.js'

describe('parseTtl', () => {
  it.each([
    ['45s', 45],
    ['30m', 1800],
    ['12h', 43_200],
    ['90d', 7_776_000],
    ['2w', 1_209_600],
    ['090d', 7_776_000],
    ['36500d', 3_153_600_000],
    ['3153600000s', 3_153_600_000],
    ['52560000m', 3_153_600_000],
    ['876000h', 3_153_600_000],
    ['5214w', 3_153_427_200],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseTtl(text)).toBe(seconds)
  })

  it.each(['', '0s', '10', 'h', '1.5h', '-1h', '1H', '1 h', '1y', '1h30m', '999999999w', ' 1h', '1h ', ' 1h ', '\t1h', '1h\n', '\u00a01h', '１h', '+1h'])(
    'refuses %j as a usage error',
    (text) => {
      expect(() => parseTtl(text)).toThrow(UsageError)
    },
  )

  it.each([' 1h', '1h ', '\t90d', '1h\n'])('refuses white space around a duration (%j) as not a duration', (text) => {
    expect(() => parseTtl(text)).toThrow(/is not a duration/)
  })

  // Issue 17.10: 36500d was accepted while the same length in seconds (ten digits) was "not a duration".
  it.each([
    ['3153600001s', '3153600000s'],
    ['52560001m', '52560000m'],
    ['876001h', '876000h'],
    ['36501d', '36500d'],
    ['5215w', '5214w'],
  ])('every unit has the same cap: %s is too long, %s is not', (over, at) => {
    expect(parseTtl(at)).toBeLessThanOrEqual(MAX_DURATION_SECONDS)
    expect(() => parseTtl(over)).toThrow(`--ttl '${over}' is too long: at most 100 years (3153600000s, 36500d)`)
  })

  it('a number of any length is "too long", never "not a duration", in every unit', () => {
    for (const unit of ['s', 'm', 'h', 'd', 'w']) {
      expect(() => parseTtl(`${'9'.repeat(40)}${unit}`, '--since')).toThrow(`--since '${'9'.repeat(40)}${unit}' is too long: at most 100 years`)
      expect(() => parseTtl(`${'0'.repeat(40)}${unit}`)).toThrow(/must be longer than zero/)
    }
  })

  it('the cap of each unit is the cap in seconds, divided down', () => {
    expect(MAX_DURATION_OF_UNIT).toEqual({s: 3_153_600_000, m: 52_560_000, h: 876_000, d: 36_500, w: 5214})
  })

  it.each([
    [86_400, '1d'],
    [5400, '90m'],
    [7_776_000, '90d'],
    [61, '61s'],
    [1_209_600, '2w'],
  ])('formats %i as %s', (seconds, text) => {
    expect(formatTtl(seconds)).toBe(text)
  })
})
