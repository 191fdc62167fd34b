import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type ErrorJson, expectNoStackTrace, runCliWithEndlessStdin, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

/** Every bad document is exit 2 naming where, and writes nothing: not an object, not an audit row. */
describe('apply and diff refuse bad documents', () => {
  let dir: TempDir
  const written = () => countRows(dir.storePath, 'audit_log') + countRows(dir.storePath, 'groups') + countRows(dir.storePath, 'accounts')

  beforeAll(async () => {
    dir = tempDir()
    expect((await runJson(['groups', 'create', 'devops'], {store: dir.storePath})).code).toBe(0)
  })
  afterAll(() => dir.cleanup())

  it.each([
    ['YAML syntax', 'apiVersion: accessctl/v1\ngroups:\n  - name: "open\n', /^stdin is not valid YAML at line \d+, column \d+/],
    ['an unknown group', 'apiVersion: accessctl/v1\naccounts:\n  - name: a\n    groups:\n      - devops\n      - nobody\n', /^line 6 of stdin: no group named 'nobody'/],
    ['an unknown account', 'apiVersion: accessctl/v1\ngroups:\n  - name: g\n    members: [ghost]\n', /^line 4 of stdin: no account with id or name 'ghost'/],
    ['an unknown service', 'apiVersion: accessctl/v1\ndeployments:\n  - service: nope\n    infrastructure: nope\n    version: v1\n', /^line 3 of stdin: no service with id 'nope'.*\nline 4 of stdin: no infrastructure with id 'nope'/],
    ['an unknown version', 'apiVersion: accessctl/v1\nservices:\n  - id: s\n    versions: [v1]\ninfrastructures:\n  - id: i\n    stage: Test\ndeployments:\n  - service: s\n    infrastructure: i\n    version: v9\n', /^line 11 of stdin: service 's' has no version 'v9'/],
    ['an unknown key', 'apiVersion: accessctl/v1\nservices:\n  - id: s\n    pubic: true\n', /^line 4 of stdin: unknown key 'pubic'/],
    ['a wrong type', 'apiVersion: accessctl/v1\ngroups:\n  - name: g\n    admin: [true]\n', /^line 4 of stdin: 'admin' must be true or false/],
    ['duplicate names', 'apiVersion: accessctl/v1\ngroups:\n  - name: g\n  - name: g\n', /^line 4 of stdin: group 'g' appears twice/],
    ['an alias bomb', `apiVersion: accessctl/v1\na: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b]\n`, /^line 2 of stdin: anchors and aliases/],
    ['deep nesting', `apiVersion: accessctl/v1\ngroups: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, /nested deeper than 16 levels/],
    ['not UTF-8', Buffer.from('apiVersion: accessctl/v1\ngroups:\n  - name: caf\xe9\n', 'latin1'), /^line 3 of stdin is not UTF-8/],
  ])('%s: exit 2, the line named, nothing written', async (_what, input, message) => {
    const before = written()
    for (const command of ['apply', 'diff']) {
      const result = await runJson<ErrorJson>([command, '-f', '-'], {store: dir.storePath, input})
      expect(result.code).toBe(2)
      expect(result.json.error.message).toMatch(message)
      expectNoStackTrace(result)
    }

    expect(written()).toBe(before)
  })

  it('refuses a 50 MB file by its size, unread, and an endless stdin at the 16 MiB cap', async () => {
    const before = written()
    const big = join(dir.path, 'big.yaml')
    writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, 0x20))
    const started = performance.now()
    const file = await runJson<ErrorJson>(['apply', '-f', big], {store: dir.storePath})
    expect(file.code).toBe(2)
    expect(file.json.error.message).toMatch(/holds more than 16 MiB: a document is at most 16 MiB/)
    expect(performance.now() - started).toBeLessThan(10_000)

    const endless = await runCliWithEndlessStdin(['apply', '-f', '-'], Buffer.alloc(64 * 1024, 0x20), {store: dir.storePath})
    expect(endless.code).toBe(2)
    expect(endless.stderr).toMatch(/stdin holds more than 16 MiB/)
    expect(endless.bytesWritten).toBeLessThan(18 * 1024 * 1024)
    expect(written()).toBe(before)
  })

  it('needs -f', async () => {
    const missing = await runJson<ErrorJson>(['apply'], {store: dir.storePath})
    expect(missing.code).toBe(2)
    expect(missing.json.error.message).toMatch(/Missing required flag file/)
  })
})
