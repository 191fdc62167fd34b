import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {auditAfter, recordAudit, startAuditFollow} from '../../src/domain/audit.js'
import type {Context} from '../../src/domain/context.js'
import {CommitWatch} from '../../src/store/commit-watch.js'
import {Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'

/** The reads behind `audit list --follow`: where it starts, what it reads next, and how it notices a commit. */
describe('following the audit trail', () => {
  let dir: TempDir
  let store: Store
  let ctx: Context
  const write = (actor: string, action = 'groups.create') =>
    store.write(() => recordAudit(store.db, {actor, action, target: null, outcome: 'ok'}))

  beforeEach(() => {
    dir = tempDir()
    store = Store.open(dir.storePath)
    ctx = {store, caller: {kind: 'operator', user: 'test'}}
  })
  afterEach(() => {
    store.close()
    dir.cleanup()
  })

  it('starts after the newest row of the trail, not of the page: rows --offset or a filter left out never come later', () => {
    for (const actor of ['operator:a', 'operator:b', 'admin-key:k', 'operator:c']) write(actor)
    const start = startAuditFollow(ctx, {actor: 'operator', limit: 1, offset: 1})
    expect(start.page.items.map((row) => row.actor)).toEqual(['operator:b'])
    expect(start.lastId).toBe(4)
    expect(auditAfter(ctx, {actor: 'operator'}, start.lastId, 10)).toEqual({rows: [], readTo: 4})
    expect(startAuditFollow(ctx, {limit: 10, offset: 0}).lastId).toBe(4)
  })

  it('reads new rows oldest first in batches, and moves past rows the filter leaves out', () => {
    for (let i = 0; i < 5; i++) write('admin-key:k')
    write('operator:a')
    write('admin-key:k')
    write('operator:b')
    const first = auditAfter(ctx, {actor: 'operator'}, 0, 1)
    expect(first.rows.map((row) => [row.id, row.actor])).toEqual([[6, 'operator:a']])
    expect(first.readTo).toBe(6)
    const second = auditAfter(ctx, {actor: 'operator'}, first.readTo, 1)
    expect(second.rows.map((row) => row.id)).toEqual([8])
    // A batch not full: the end of the trail was reached.
    const none = auditAfter(ctx, {actor: 'account'}, 0, 100)
    expect(none).toEqual({rows: [], readTo: 8})
  })

  it('a commit by another connection is seen once; its own reads are not commits', () => {
    const watch = new CommitWatch(store)
    expect(watch.changed()).toBe(false)
    const other = Store.open(dir.storePath)
    try {
      other.write(() => recordAudit(other.db, {actor: 'operator:other', action: 'groups.create', outcome: 'ok'}))
    } finally {
      other.close()
    }

    expect(watch.changed()).toBe(true)
    expect(watch.changed()).toBe(false)
    auditAfter(ctx, {}, 0, 10)
    expect(watch.changed()).toBe(false)
  })
})
