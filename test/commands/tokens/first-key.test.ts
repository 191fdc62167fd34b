import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

/**
 * Issue 10, item 16: when several processes made the first token at once, each one that had seen no key audited a
 * key creation, though only one key was made. One key, one audit row.
 */
describe('the first signing key', () => {
  let dir: TempDir
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(() => dir.cleanup())

  it('8 processes making the first token at once make one key, audited once', async () => {
    const account = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})).json.id
    const results = await Promise.all(
      Array.from({length: 8}, () => runCli(['tokens', 'create', '-t', 'ephemeral', '-i', account, '--role', 'AuditDeveloper'], {store: dir.storePath})),
    )
    expect(results.filter((result) => result.code !== 0).map((result) => result.stderr)).toEqual([])
    expect(countRows(dir.storePath, 'signing_keys')).toBe(1)
    expect(countRows(dir.storePath, 'audit_log', "action = 'tokens.keys.create'")).toBe(1)
  }, 180_000)
})
