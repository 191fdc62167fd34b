import {describe, expect, it} from 'vitest'

import {LruMap, LruSet} from '../../src/core/lru.js'

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

describe('LruMap', () => {
  it('forgets the least recently used entry past its capacity; peek and replace leave the order alone', () => {
    const map = new LruMap<number>(2)
    map.set('a', 1)
    map.set('b', 2)
    expect(map.get('a')).toBe(1) // a is now the most recent
    expect(map.peek('b')).toBe(2) // b stays the oldest
    map.replace('b', 20)
    map.replace('z', 26)
    map.set('c', 3)
    expect([map.get('b'), map.get('a'), map.get('c'), map.get('z'), map.size]).toEqual([undefined, 1, 3, undefined, 2])
  })

  it('never grows past its capacity under a stream of distinct keys; 0 remembers nothing', () => {
    const map = new LruMap<string>(100)
    for (let i = 0; i < 10_000; i++) map.set(String(i), 'x')
    expect([map.size, map.get('9999'), map.get('0')]).toEqual([100, 'x', undefined])
    const none = new LruMap<string>(0)
    none.set('a', 'x')
    expect(none.get('a')).toBeUndefined()
    expect(() => new LruMap(-1)).toThrow(RangeError)
  })
})
