import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {PageOf} from '../../../src/domain/context.js'
import type {Group, GroupDetails, GroupSummary, MembershipChange} from '../../../src/domain/groups.js'
import {type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

describe('groups', () => {
  let dir: TempDir
  let alice: string
  let bob: string
  const run = (...args: string[]) => runCli(args, {store: dir.storePath})
  const json = <T>(...args: string[]) => runJson<T>(args, {store: dir.storePath})

  beforeAll(async () => {
    dir = tempDir()
    alice = (await json<{id: string}>('accounts', 'create', '-n', 'alice')).json.id
    bob = (await json<{id: string}>('accounts', 'create', '-n', 'bob')).json.id
  })
  afterAll(() => dir.cleanup())

  it('creates groups with the two global privileges', async () => {
    const created = await json<Group>('groups', 'create', 'platform-admins', '--admin')
    expect(created.code).toBe(0)
    expect(created.json).toMatchObject({name: 'platform-admins', admin: true, mayCreateServices: false, builtin: false})
    const human = await run('groups', 'create', 'data-scientists', '--may-create-services')
    expect(human.stdout).toBe("created group: 'data-scientists' (may-create-services)\n")
  })

  it.each([
    [['groups', 'create', 'Bad Name'], 2, /not a valid group name/],
    [['groups', 'create', 'platform-admins'], 5, /already exists/],
    [['groups', 'create', 'everyone'], 5, /already exists/],
    [['groups', 'create'], 2, /Missing 1 required arg/],
  ])('refuses %j with exit %i', async (args, exitCode, message) => {
    const before = countRows(dir.storePath, 'groups')
    const result = await runJson<ErrorJson>(args, {store: dir.storePath})
    expect(result.code).toBe(exitCode)
    expect(result.json.error.message).toMatch(message)
    expect(countRows(dir.storePath, 'groups')).toBe(before)
  })

  it('updates privileges, keeping the ones not named', async () => {
    const updated = await json<Group>('groups', 'update', 'data-scientists', '--admin')
    expect(updated.json).toMatchObject({admin: true, mayCreateServices: true})
    const cleared = await json<Group>('groups', 'update', 'data-scientists', '--no-admin')
    expect(cleared.json).toMatchObject({admin: false, mayCreateServices: true})
    const nothing = await run('groups', 'update', 'data-scientists')
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toMatch(/nothing to update/)
    expect((await run('groups', 'update', 'nosuch', '--admin')).code).toBe(4)
  })

  it('adds several members at once, idempotently, and all-or-nothing', async () => {
    const added = await json<MembershipChange>('groups', 'add-member', 'data-scientists', '-i', `${alice},${bob}`)
    expect(added.code).toBe(0)
    expect(added.json).toEqual({group: 'data-scientists', changed: [alice, bob], unchanged: []})
    const again = await json<MembershipChange>('groups', 'add-member', 'data-scientists', '-i', alice)
    expect(again.json).toEqual({group: 'data-scientists', changed: [], unchanged: [alice]})

    const partial = await run('groups', 'add-member', 'platform-admins', '-i', alice, '-i', '0123456789abcdef0123456789abcdef')
    expect(partial.code).toBe(4)
    expect(countRows(dir.storePath, 'group_members', "group_name = 'platform-admins'")).toBe(0)
  })

  it('refuses membership changes to everyone and unknown accounts', async () => {
    const everyone = await run('groups', 'add-member', 'everyone', '-i', alice)
    expect(everyone.code).toBe(2)
    expect(everyone.stderr).toMatch(/holds every account implicitly/)
    // -i takes a name too (issue 13.3): a text that is neither an account's id nor its name is not found.
    const unknown = await run('groups', 'add-member', 'data-scientists', '-i', 'nope')
    expect(unknown.code).toBe(4)
    expect(unknown.stderr).toMatch(/no account with id or name 'nope'/)
    expect((await run('groups', 'add-member', 'nosuch', '-i', alice)).code).toBe(4)
    expect((await run('groups', 'remove-member', 'everyone', '-i', alice)).code).toBe(2)
  })

  it('shows a group with its members, and everyone as implicit', async () => {
    const group = await json<GroupDetails>('groups', 'get', 'data-scientists')
    expect(group.json.memberCount).toBe(2)
    expect(group.json.members.map((m) => m.name)).toEqual(['alice', 'bob'])
    const everyone = await json<GroupDetails>('groups', 'get', 'everyone')
    expect(everyone.json).toMatchObject({builtin: true, memberCount: null})
    expect((await run('groups', 'get', 'nosuch')).code).toBe(4)
  })

  it('lists groups with member counts', async () => {
    const {json: page} = await json<PageOf<GroupSummary>>('groups', 'list')
    expect(page.items.map((g) => [g.name, g.memberCount])).toEqual([
      ['data-scientists', 2],
      ['everyone', null],
      ['platform-admins', 0],
    ])
  })

  it('removes members, reporting those that were not members', async () => {
    const removed = await json<MembershipChange>('groups', 'remove-member', 'data-scientists', '-i', bob)
    expect(removed.json).toEqual({group: 'data-scientists', changed: [bob], unchanged: []})
    const again = await json<MembershipChange>('groups', 'remove-member', 'data-scientists', '-i', bob)
    expect(again.json.unchanged).toEqual([bob])
  })

  it('deletes a group with --yes, never everyone', async () => {
    const everyone = await run('groups', 'delete', 'everyone', '--yes')
    expect(everyone.code).toBe(2)
    expectNoStackTrace(everyone)
    const noYes = await run('groups', 'delete', 'data-scientists')
    expect(noYes.code).toBe(2)
    expect(countRows(dir.storePath, 'groups', "name = 'data-scientists'")).toBe(1)
    const deleted = await run('groups', 'delete', 'data-scientists', '--yes')
    expect(deleted.code).toBe(0)
    expect(countRows(dir.storePath, 'groups', "name = 'data-scientists'")).toBe(0)
    expect(countRows(dir.storePath, 'group_members')).toBe(0)
    expect((await run('groups', 'delete', 'data-scientists', '--yes')).code).toBe(4)
  })
})
