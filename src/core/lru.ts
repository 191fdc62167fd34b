/**
 * A set that remembers at most `capacity` strings, forgetting the least recently used first: a cache that a stream
 * of distinct inputs cannot grow without bound. A Set keeps insertion order, so re-inserting on use keeps the
 * oldest entry first.
 */
export class LruSet {
  private readonly entries = new Set<string>()

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a whole number >= 0, not ${capacity}`)
  }

  /** Whether `key` is remembered; a hit makes it the most recently used. */
  has(key: string): boolean {
    if (!this.entries.delete(key)) return false
    this.entries.add(key)
    return true
  }

  add(key: string): void {
    if (this.capacity === 0) return
    this.entries.delete(key)
    this.entries.add(key)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.values().next().value!)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}

/** A map that keeps at most `capacity` entries, forgetting the least recently used first (see LruSet). */
export class LruMap<V> {
  private readonly entries = new Map<string, V>()

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a whole number >= 0, not ${capacity}`)
  }

  /** The value of `key`, or undefined; a hit makes it the most recently used. */
  get(key: string): V | undefined {
    const value = this.entries.get(key)
    if (value === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, value)
    return value
  }

  /** The value of `key`, or undefined, leaving the order as it is. */
  peek(key: string): V | undefined {
    return this.entries.get(key)
  }

  set(key: string, value: V): void {
    if (this.capacity === 0) return
    this.entries.delete(key)
    this.entries.set(key, value)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  /** Changes the value of a key it holds, leaving the order as it is; a key it does not hold stays out. */
  replace(key: string, value: V): void {
    if (this.entries.has(key)) this.entries.set(key, value)
  }

  clear(): void {
    this.entries.clear()
  }

  get size(): number {
    return this.entries.size
  }
}
