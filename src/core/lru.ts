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
