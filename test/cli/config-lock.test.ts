import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {configLockPath, withConfigLock} from '../../src/cli/config-lock.js'

let folder: string
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'accessctl-lock-'))
})
afterEach(() => rmSync(folder, {recursive: true, force: true}))

describe('withConfigLock', () => {
  it('holds a 0600 lock naming this process while the change runs, and removes it after', async () => {
    const file = join(folder, 'config.yaml')
    const seen = await withConfigLock(file, () => ({mode: statSync(configLockPath(file)).mode & 0o777, text: readFileSync(configLockPath(file), 'utf8')}))
    expect(seen).toEqual({mode: 0o600, text: `${process.pid}\n`})
    expect(() => statSync(configLockPath(file))).toThrow(/ENOENT/)
  })

  it('removes the lock when the change throws, and passes the error on', async () => {
    const file = join(folder, 'config.yaml')
    await expect(withConfigLock(file, () => Promise.reject(new Error('refused')))).rejects.toThrow('refused')
    expect(() => statSync(configLockPath(file))).toThrow(/ENOENT/)
  })

  it('runs changes of one process one at a time, in the order they took the lock', async () => {
    const file = join(folder, 'config.yaml')
    let running = 0
    let most = 0
    const change = async () => {
      running++
      most = Math.max(most, running)
      await new Promise((resolve) => setTimeout(resolve, 20))
      running--
    }

    await Promise.all(Array.from({length: 5}, () => withConfigLock(file, change)))
    expect(most).toBe(1)
  })
})
