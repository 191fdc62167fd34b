import {describe, expect, it} from 'vitest'

import {LruSet} from '../../src/core/lru.js'

describe('LruSet', () => {
  it('forgets the least recently used key past its capacity', () => {
    const set = new LruSet(2)
    set.add('a')
    set.add('b')
    expect(set.has('a')).toBe(true) // a is now the most recent
    set.add('c')
    expect(set.has('b')).toBe(false)
    expect(set.has('a')).toBe(true)
    expect(set.has('c')).toBe(true)
    expect(set.size).toBe(2)
  })

  it('never grows past its capacity under a stream of distinct keys; 0 remembers nothing', () => {
    const set = new LruSet(100)
    for (let i = 0; i < 10_000; i++) set.add(String(i))
    expect(set.size).toBe(100)
    expect(set.has('9999')).toBe(true)
    expect(set.has('0')).toBe(false)
    const none = new LruSet(0)
    none.add('a')
    expect(none.has('a')).toBe(false)
    expect(() => new LruSet(-1)).toThrow(RangeError)
  })
})
