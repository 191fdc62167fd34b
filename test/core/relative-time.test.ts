import {describe, expect, it} from 'vitest'

import {relativeTime} from '../../src/core/relative-time.js'

const now = Date.parse('2026-12-02T12:00:00Z')

describe('relativeTime', () => {
  it.each([
    ['2026-12-02T12:00:00Z', 'just now'],
    ['2026-12-02T11:59:30Z', '30 seconds ago'],
    ['2026-12-02T11:58:00Z', '2 minutes ago'],
    ['2026-12-02T10:00:00Z', '2 hours ago'],
    ['2026-12-02T10:30:00Z', '1 hour ago'],
    ['2026-12-05T12:00:00Z', 'in 3 days'],
    ['2026-12-16T12:00:00Z', 'in 2 weeks'],
    ['2027-03-02T12:00:00Z', 'in 3 months'],
    ['2024-12-01T12:00:00Z', '2 years ago'],
  ])('%s is %s', (iso, expected) => {
    expect(relativeTime(iso, now)).toBe(expected)
  })

  it('leaves what is not a time as it is', () => {
    expect(relativeTime('never', now)).toBe('never')
  })
})
