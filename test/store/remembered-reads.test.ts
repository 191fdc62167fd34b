import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {RememberedReads} from '../../src/store/remembered-reads.js'
import {Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'

/**
 * RememberedReads: what DecisionPoint keeps of the store between calls. A real store, a writer connection and a
 * read-only one, as serve has while the CLI changes the store.
 */

let dir: TempDir
let writer: Store
let reader: Store
let reads: RememberedReads
/** How many times each remembered read actually ran. */
let ran: Record<string, number>

const addAccount = (name: string) =>
  writer.write(() => writer.db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(name.padEnd(32, '0'), name, '2026-01-01T00:00:00Z'))
const accounts = (what: string) =>
  reads.remember(what, () => {
    ran[what] = (ran[what] ?? 0) + 1
    return reader.db.prepare('SELECT count(*) FROM accounts').pluck().get() as number
  })

beforeEach(() => {
  dir = tempDir()
  writer = Store.open(dir.storePath)
  reader = Store.openReadOnly(dir.storePath)
  reads = new RememberedReads(reader)
  ran = {}
})

afterEach(() => {
  reader.close()
  writer.close()
  dir.cleanup()
})

describe('RememberedReads', () => {
  it('answers from memory while nothing is committed, and reads again from the first call after a commit', () => {
    expect(reads.run(() => accounts('count'))).toBe(0)
    expect(reads.run(() => accounts('count'))).toBe(0)
    expect(ran.count).toBe(1)
    const generation = reads.generation
    addAccount('a')
    expect(reads.run(() => accounts('count'))).toBe(1)
    expect(ran.count).toBe(2)
    expect(reads.generation).not.toBe(generation)
  })

  it('a commit that lands during a call, before a read it must make, starts the call over: it never mixes two states', () => {
    reads.run(() => accounts('first'))
    let calls = 0
    const seen = reads.run(() => {
      calls++
      const first = accounts('first')
      // Another connection commits after this call checked the version: the next read is not remembered yet.
      if (calls === 1) addAccount('b')
      return [first, accounts('second')]
    })
    expect(calls).toBe(2)
    expect(seen).toEqual([1, 1])
  })

  it('ends its read transaction however the call ends, so it never holds back the writer', () => {
    expect(() =>
      reads.run(() => {
        accounts('count')
        throw new Error('the work failed')
      }),
    ).toThrow('the work failed')
    expect(reader.db.inTransaction).toBe(false)
    reads.run(() => accounts('again'))
    expect(reader.db.inTransaction).toBe(false)
    // A checkpoint that must wait for no reader: it moves every frame of the log into the file.
    addAccount('c')
    expect(writer.db.pragma('wal_checkpoint(TRUNCATE)')).toEqual([{busy: 0, log: 0, checkpointed: 0}])
  })

  it('forgets everything at once past its capacity, and reads again what is asked again', () => {
    const small = new RememberedReads(reader, 2)
    const count = (what: string) =>
      small.remember(what, () => {
        ran[what] = (ran[what] ?? 0) + 1
        return what
      })
    small.run(() => [count('a'), count('b'), count('a')])
    expect(ran).toEqual({a: 1, b: 1})
    small.run(() => [count('c'), count('a')])
    expect(ran).toEqual({a: 2, b: 1, c: 1})
  })

  it('keeps few of the reads that found nothing (a client chooses what it asks about), and never mistakes them', () => {
    const nothing = (what: string) =>
      reads.remember(what, () => {
        ran[what] = (ran[what] ?? 0) + 1
        return undefined
      })
    reads.run(() => nothing('unknown'))
    reads.run(() => nothing('unknown'))
    expect(ran.unknown).toBe(1)
    // A flood of other unknown questions pushes it out; what was found stays.
    reads.run(() => accounts('found'))
    reads.run(() => {
      for (let i = 0; i < 1000; i++) nothing(`unknown ${i}`)
    })
    reads.run(() => [nothing('unknown'), accounts('found')])
    expect([ran.unknown, ran.found]).toEqual([2, 1])
  })
})
