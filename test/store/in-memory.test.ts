import {readdirSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {MIGRATIONS} from '../../src/store/schema.js'
import {Store} from '../../src/store/store.js'
import {tempDir} from '../helpers/cli.js'

describe('Store.inMemory: the same schema, no file', () => {
  it('is migrated to the latest version, enforces foreign keys, takes writes, and leaves nothing behind', () => {
    const dir = tempDir()
    const cwd = process.cwd()
    process.chdir(dir.path)
    try {
      const store = Store.inMemory()
      expect(store.path).toBe(':memory:')
      expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version)
      expect(store.db.pragma('foreign_keys', {simple: true})).toBe(1)
      store.write(() => store.db.prepare("INSERT INTO groups (name, created_at) VALUES ('devops', 'now')").run())
      expect(store.read(() => store.db.prepare('SELECT count(*) FROM groups').pluck().get())).toBe(2)
      expect(() => store.db.prepare("INSERT INTO group_members (group_name, account_id, added_at) VALUES ('devops', 'nobody', 'now')").run()).toThrow(/FOREIGN KEY/)
      store.close()
      expect(readdirSync(dir.path)).toEqual([])
    } finally {
      process.chdir(cwd)
      dir.cleanup()
    }
  })
})
