import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import type {AccountsCreateResult} from '../../src/commands/accounts/create.js'
import type {AccountsGetResult} from '../../src/commands/accounts/get.js'
import type {GroupsAddMemberResult} from '../../src/commands/groups/add-member.js'
import type {StoreInfoResult} from '../../src/commands/store/info.js'
import {PROJECT_ROOT, runJson, tempDir} from '../helpers/cli.js'

/**
 * Issue 12.4: every command exports the type of what its --json prints (XxxResult next to the class), and run()
 * returns it, so that a script or a test parses a command's output with the command's own type.
 */
describe('typed results', () => {
  const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
  const ids = Object.keys(manifest.commands).sort()

  it.each(ids)('%s exports its result type and run() returns it', (id) => {
    const source = readFileSync(join(PROJECT_ROOT, 'src', 'commands', `${id.replaceAll(':', '/')}.ts`), 'utf8')
    const className = /export default class (\w+)/.exec(source)?.[1]
    expect(className).toBeDefined()
    const result = `${className!.replace(/Command$/, '')}Result`
    expect(source).toMatch(new RegExp(`^export (type|interface) ${result}\\b`, 'm'))
    expect(source).toMatch(new RegExp(`async run\\(\\): Promise<${result}[ >]`))
  })

  it('covers all the commands', () => {
    expect(ids.length).toBeGreaterThanOrEqual(68)
  })

  it('the exported types describe what --json prints', async () => {
    const dir = tempDir()
    try {
      const store = {store: dir.storePath}
      const account = await runJson<AccountsCreateResult>(['accounts', 'create', '-n', 'alice'], store)
      await runJson(['groups', 'create', 'ops'], store)
      const added = await runJson<GroupsAddMemberResult>(['groups', 'add-member', 'ops', '-i', 'alice'], store)
      expect(added.json).toEqual({group: 'ops', changed: [account.json.id], unchanged: []})
      const got = await runJson<AccountsGetResult>(['accounts', 'get', '-i', 'alice'], store)
      expect(got.json).toMatchObject({id: account.json.id, name: 'alice', groups: ['everyone', 'ops'], activeTokenCount: 0})
      const info = await runJson<StoreInfoResult>(['store', 'info'], store)
      expect(info.json.counts).toMatchObject({accounts: 1, groups: 2, memberships: 1})
    } finally {
      dir.cleanup()
    }
  })
})
