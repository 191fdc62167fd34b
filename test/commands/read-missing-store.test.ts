import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type ErrorJson, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'

/** Issue 13.5: a command that only reads never creates a store, nor the folder it would be in. */
describe('a read on a missing store', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  const reads = [
    ['service', 'list'],
    ['accounts', 'list'],
    ['groups', 'list'],
    ['audit', 'list'],
    ['admin-key', 'list'],
    ['tokens', 'list'],
    ['tokens', 'keys', 'list'],
    ['tokens', 'jwks'],
    ['store', 'info'],
    ['store', 'check'],
  ]

  it.each(reads.map((args) => [args.join(' '), args] as const))('%s: exit 6 with the path and a hint, nothing created', async (_name, args) => {
    const store = join(dir.path, 'missing', 'dir', 'x.db')
    const {code, json} = await runJson<ErrorJson & {error: {hint?: string}}>([...args, '--store', store])
    expect(code).toBe(6)
    expect(json.error.code).toBe('store_unusable')
    expect(json.error.message).toBe(`no store at ${store}`)
    expect(json.error.hint).toMatch(/accounts create/)
    expect(existsSync(join(dir.path, 'missing'))).toBe(false)
  })

  it('the command the hint names works as written (issue 17.12: it said `accounts create NAME`, a usage error)', async () => {
    const store = join(dir.path, 'hinted', 'x.db')
    const {json} = await runJson<ErrorJson & {error: {hint?: string}}>(['accounts', 'list', '--store', store])
    const hinted = /`accessctl ([^`]+)`/.exec(json.error.hint ?? '')?.[1]
    expect(hinted).toBe('accounts create -n NAME')
    const result = await runCli([...hinted!.replace('NAME', 'alice').split(' '), '--store', store])
    expect(result.code, result.stderr).toBe(0)
    expect(existsSync(store)).toBe(true)
  })

  it('says so in words without --json, on stderr', async () => {
    const store = join(dir.path, 'nonexistent', 'x.db')
    const result = await runCli(['service', 'list', '--store', store])
    expect(result.code).toBe(6)
    expect(result.stdout).toBe('')
    expect(result.stderr).toContain(`no store at ${store}`)
    expect(existsSync(join(dir.path, 'nonexistent'))).toBe(false)
  })

  it('a command that writes still creates the store, and the read then works', async () => {
    const store = join(dir.path, 'new', 'x.db')
    expect((await runCli(['accounts', 'create', '-n', 'alice', '--store', store])).code).toBe(0)
    expect(existsSync(store)).toBe(true)
    const {code, json} = await runJson<{items: Array<{name: string}>}>(['accounts', 'list', '--store', store])
    expect(code).toBe(0)
    expect(json.items.map((account) => account.name)).toEqual(['alice'])
  })
})
