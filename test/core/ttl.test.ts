import {describe, expect, it} from 'vitest'

import {formatTtl, parseTtl} from '../../src/core/ttl.js'
import {UsageError} from '../../src/errors.js'

describe('parseTtl', () => {
  it.each([
    ['45s', 45],
    ['30m', 1800],
    ['12h', 43_200],
    ['90d', 7_776_000],
    ['2w', 1_209_600],
    [' 1h ', 3600],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseTtl(text)).toBe(seconds)
  })

  it.each(['', '0s', '10', 'h', '1.5h', '-1h', '1H', '1 h', '1y', '1h30m', '999999999w'])('refuses %j as a usage error', (text) => {
    expect(() => parseTtl(text)).toThrow(UsageError)
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
