import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {KEYS, PtySession} from '../../helpers/pty.js'
import {countRows} from '../../helpers/store.js'

describe('accounts delete on a terminal', () => {
  let dir: TempDir
  let id: string
  beforeEach(async () => {
    dir = tempDir()
    id = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})).json.id
  })
  afterEach(() => dir.cleanup())

  it('asks, and deletes when the answer is yes', async () => {
    const session = new PtySession(['accounts', 'delete', '-i', id], {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor("Delete account 'alice'")
    session.type(`y${KEYS.enter}`)
    expect(await session.exit()).toBe(0)
    expect(session.text).toMatch(/deleted account: 'alice'/)
    expect(countRows(dir.storePath, 'accounts')).toBe(0)
  })

  it('keeps the account when the answer is the default (no)', async () => {
    const session = new PtySession(['accounts', 'delete', '-i', id], {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor("Delete account 'alice'")
    session.type(KEYS.enter)
    expect(await session.exit()).toBe(2)
    expect(session.text).toMatch(/aborted: nothing was changed/)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })

  it('keeps the account on Ctrl-C', async () => {
    const session = new PtySession(['accounts', 'delete', '-i', id], {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor("Delete account 'alice'")
    session.type(KEYS.ctrlC)
    expect(await session.exit()).toBe(2)
    expect(countRows(dir.storePath, 'accounts')).toBe(1)
  })
})
