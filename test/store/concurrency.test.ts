import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {countRows} from '../helpers/store.js'

const execFileAsync = promisify(execFile)

/**
 * Many writers on one store: WAL, the busy timeout and BEGIN IMMEDIATE must turn contention into waiting, never
 * into an error or a lost row. The token workers race for the store's first signing key too, and the CLI processes
 * for creating the store and its schema.
 */
describe('concurrent writers', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('16 processes x 100 token creations: 1,600 recorded, zero errors', async () => {
    const account = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})).json.id
    const worker = join(PROJECT_ROOT, 'test', 'helpers', 'token-worker.mjs')
    const results = await Promise.all(
      Array.from({length: 16}, () => execFileAsync(process.execPath, [worker, dir.storePath, '100', account])),
    )
    const reports = results.map((r) => JSON.parse(r.stdout) as {created: number; errors: string[]})
    expect(reports.flatMap((r) => r.errors)).toEqual([])
    expect(reports.reduce((sum, r) => sum + r.created, 0)).toBe(1600)
    expect(countRows(dir.storePath, 'tokens')).toBe(1600)
    expect(countRows(dir.storePath, 'audit_log', "action = 'tokens.create'")).toBe(1600)
    expect(countRows(dir.storePath, 'signing_keys')).toBe(1)
    expect((await runCli(['store', 'check'], {store: dir.storePath})).code).toBe(0)
  }, 240_000)

  it('16 CLI processes at once on a new store: every one succeeds', async () => {
    const results = await Promise.all(
      Array.from({length: 16}, (_, i) => runCli(['accounts', 'create', '-n', `user-${i}`], {store: dir.storePath})),
    )
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([])
    expect(countRows(dir.storePath, 'accounts')).toBe(16)
  }, 120_000)
})
