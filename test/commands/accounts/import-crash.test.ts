import {spawn} from 'node:child_process'
import {existsSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {cliCommand, runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

describe('accounts import killed with SIGKILL', () => {
  let dir: TempDir
  beforeEach(() => {
    dir = tempDir()
  })
  afterEach(() => dir.cleanup())

  it('leaves all or none of the import, and store check passes', async () => {
    await runCli(['accounts', 'create', '-n', 'before'], {store: dir.storePath})
    const file = join(dir.path, 'big.jsonl')
    const total = 400_000
    writeFileSync(file, Array.from({length: total}, (_, i) => `{"name":"bulk-${i}@example.com"}`).join('\n'))

    const {file: program, prefix} = cliCommand()
    const child = spawn(program, [...prefix, 'accounts', 'import', file], {
      env: {...process.env, ACCESSCTL_STORE: dir.storePath},
      stdio: 'ignore',
    })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal ? -1 : _code)))

    // Kill once the transaction has spilled pages into the WAL: it is then surely half-way.
    const wal = `${dir.storePath}-wal`
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline && !(existsSync(wal) && statSync(wal).size > 4 * 1024 * 1024)) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }

    child.kill('SIGKILL')
    const outcome = await exited
    const imported = countRows(dir.storePath, 'accounts', "name LIKE 'bulk-%'")
    expect([0, total]).toContain(imported)
    if (outcome === -1) expect(imported).toBe(0)
    expect(countRows(dir.storePath, 'accounts', "name = 'before'")).toBe(1)
    const check = await runCli(['store', 'check'], {store: dir.storePath})
    expect(check.code).toBe(0)
  })
})
