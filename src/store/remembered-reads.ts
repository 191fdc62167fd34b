import type {Statement} from 'better-sqlite3'

import type {Store} from './store.js'

/** How a reader reads the store: now, every time, or remembered while the store stays as it is (RememberedReads). */
export interface StoreReads {
  /**
   * A read that may be remembered while the store stays as it is: `key` must name exactly what `read` reads (the
   * table and the values it looks up), so that any call asking the same question gets the same answer.
   */
  remember<T>(key: string, read: () => T): T
  /** A read made now, never remembered (a one-off), and as of the same state of the store as what is remembered. */
  read<T>(read: () => T): T
}

/** Reads now, every time: what a caller that holds the store only briefly (a CLI command) uses. */
export const READ_NOW: StoreReads = {remember: (_key, read) => read(), read: (read) => read()}

/** Thrown inside `run` when another connection committed between its version check and a read it had to make. */
class VersionMoved extends Error {
  constructor(readonly version: number) {
    super('the store changed during a read')
  }
}

/** Remembered reads at most; past this they are all forgotten at once (a client may ask about anything). */
const DEFAULT_CAPACITY = 10_000
/**
 * Remembered reads that found nothing, at most. What a client asks about that does not exist (a random key, an
 * unknown deployment) is its own choice, and a flood of such questions must not fill the heap with memories that
 * live just long enough to be promoted to V8's old generation: these are kept few, so they die young.
 */
const ABSENT_CAPACITY = 256

/**
 * What a long-running reader (serve, the library's DecisionPoint) reads of one open store file, remembered for as
 * long as nothing is committed to it: `PRAGMA data_version`, read at the start of every `run`, changes whenever
 * another connection commits, and then everything remembered is forgotten before anything is answered. So an
 * answer is never older than the store as it was when `run` began: a change counts from the next call.
 *
 * Steady state costs one statement per call (the version) and no transaction. A read that is not remembered opens
 * one read transaction for the rest of the call, and checks the version again as its first statement: if another
 * connection committed since the check, what was remembered is forgotten and the call's work starts over inside
 * that transaction, so one call never mixes what it read before a commit with what it reads after it.
 */
export class RememberedReads implements StoreReads {
  private readonly values = new Map<string, unknown>()
  private readonly absent = new Set<string>()
  private version: number | undefined
  private generationCount = 0
  private readonly begin: Statement
  private readonly commit: Statement

  constructor(
    readonly store: Store,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {
    this.begin = store.db.prepare('BEGIN DEFERRED /* RememberedReads */')
    this.commit = store.db.prepare('COMMIT /* RememberedReads */')
  }

  /**
   * Changes whenever what was remembered is forgotten because the store changed: an object built from reads of
   * one version (a token verifier holding the signing keys) is rebuilt when this differs from when it was built.
   */
  get generation(): number {
    return this.generationCount
  }

  /**
   * Runs `work`, which must read the store only through `remember` and `read` (and may run again, from the start,
   * if the store changes during it), as of the store's latest commit.
   */
  run<T>(work: () => T): T {
    const version = this.store.dataVersion()
    if (version !== this.version) this.forget(version)
    try {
      try {
        return work()
      } catch (error) {
        if (!(error instanceof VersionMoved)) throw error
        // Inside the transaction now, whose snapshot is `error.version`: what is read from here on is consistent.
        this.forget(error.version)
        return work()
      }
    } finally {
      if (this.store.db.inTransaction) this.commit.run()
    }
  }

  /** See StoreReads. Only inside `run`. */
  remember<T>(key: string, read: () => T): T {
    const known = this.values.get(key)
    if (known !== undefined || this.absent.has(key)) return known as T
    const value = this.read(read)
    if (value === undefined) {
      if (this.absent.size >= ABSENT_CAPACITY) this.absent.clear()
      this.absent.add(key)
    } else {
      if (this.values.size >= this.capacity) this.values.clear()
      this.values.set(key, value)
    }

    return value
  }

  /** See StoreReads: in the call's read transaction, opened here if it is not yet. Only inside `run`. */
  read<T>(read: () => T): T {
    if (!this.store.db.inTransaction) {
      this.begin.run()
      // The transaction's first statement: it starts the snapshot that the rest of the call reads.
      const version = this.store.dataVersion()
      if (version !== this.version) throw new VersionMoved(version)
    }

    return read()
  }

  private forget(version: number): void {
    this.values.clear()
    this.absent.clear()
    this.version = version
    this.generationCount++
  }
}
