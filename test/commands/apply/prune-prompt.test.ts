import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {KEYS, PtySession} from '../../helpers/pty.js'
import {countRows} from '../../helpers/store.js'

describe('apply --prune on a terminal', () => {
  let dir: TempDir
  let file: string
  beforeEach(async () => {
    dir = tempDir()
    expect((await runCli(['groups', 'create', 'stray'], {store: dir.storePath})).code).toBe(0)
    file = join(dir.path, 'access.yaml')
    writeFileSync(file, 'apiVersion: accessctl/v1\ngroups:\n  - name: devops\n')
  })
  afterEach(() => dir.cleanup())

  it('asks before removing, and removes on yes', async () => {
    const session = new PtySession(['apply', '-f', file, '--prune'], {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor('Remove 1 object that the document does not name?')
    session.type(`y${KEYS.enter}`)
    expect(await session.exit()).toBe(0)
    expect(session.text).toMatch(/- remove group stray/)
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'stray')).toBe(0)
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'devops')).toBe(1)
  })

  it('changes nothing at all on the default answer (no)', async () => {
    const audit = countRows(dir.storePath, 'audit_log')
    const session = new PtySession(['apply', '-f', file, '--prune'], {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor('Remove 1 object')
    session.type(KEYS.enter)
    expect(await session.exit()).toBe(2)
    expect(session.text).toMatch(/aborted: nothing was changed/)
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'stray')).toBe(1)
    expect(countRows(dir.storePath, 'groups', 'name = ?', 'devops')).toBe(0)
    expect(countRows(dir.storePath, 'audit_log')).toBe(audit)
  })
})
