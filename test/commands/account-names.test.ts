import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'
import {queryRows} from '../helpers/store.js'

/** Issue 13.3: every flag that names an account takes its id or its name, and means the same account either way. */
let dir: TempDir
let ids: Record<string, string>

beforeAll(async () => {
  dir = tempDir()
  ids = {}
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin']) {
    const created = await runJson<{id: string}>(['accounts', 'create', '-n', name], {store: dir.storePath})
    expect(created.code).toBe(0)
    ids[name] = created.json.id
  }

  expect((await runJson(['groups', 'create', 'ops'], {store: dir.storePath})).code).toBe(0)
}, 60_000)
afterAll(() => dir.cleanup())

const run = async (args: string[]) => {
  const result = await runInProcess(args, {store: dir.storePath, json: true})
  return {...result, json: JSON.parse(result.stdout) as Record<string, unknown>}
}

const membersOf = (group: string) =>
  queryRows<{name: string}>(dir.storePath, 'SELECT a.name FROM group_members m JOIN accounts a ON a.id = m.account_id WHERE m.group_name = ? ORDER BY a.name', group).map(
    (row) => row.name,
  )

describe('an account flag takes a name', () => {
  const cases: Array<[string, () => string[], (json: Record<string, unknown>) => void]> = [
    ['accounts get -i NAME', () => ['accounts', 'get', '-i', 'alice'], (json) => expect(json.id).toBe(ids.alice)],
    ['tokens roles get -i NAME', () => ['tokens', 'roles', 'get', 'Admin', '-i', 'alice'], (json) => expect(json.accountId).toBe(ids.alice)],
    ['tokens roles get -i ID (no look-up)', () => ['tokens', 'roles', 'get', 'Admin', '-i', ids.bob], (json) => expect(json.accountId).toBe(ids.bob)],
    ['groups add-member -i NAME,ID', () => ['groups', 'add-member', 'ops', '-i', `alice,${ids.bob}`, '-i', 'carol'], (json) => {
      expect(json.changed).toEqual([ids.alice, ids.bob, ids.carol])
      expect(membersOf('ops')).toEqual(['alice', 'bob', 'carol'])
    }],
    ['groups remove-member -i NAME', () => ['groups', 'remove-member', 'ops', '-i', 'carol'], (json) => {
      expect(json.changed).toEqual([ids.carol])
      expect(membersOf('ops')).toEqual(['alice', 'bob'])
    }],
    ['tokens create -i NAME -a NAME', () => ['tokens', 'create', '-i', 'bob', '-f', 'get', '-r', 'datasets', '-a', 'alice'], (json) => {
      expect(json.accountId).toBe(ids.bob)
    }],
    ['tokens list -i NAME', () => ['tokens', 'list', '-i', 'bob'], (json) => {
      expect((json.items as Array<{accountId: string}>).map((token) => token.accountId)).toEqual([ids.bob])
    }],
    ['tokens revoke -i NAME --all', () => ['tokens', 'revoke', '-i', 'bob', '--all', '--yes'], (json) => expect(json.revoked).toBe(1)],
    ['service create --owner NAME', () => ['service', 'create', 'churn', '--owner', 'dave'], (json) => expect(json.ownerAccountId).toBe(ids.dave)],
    ['accounts delete -i NAME --transfer-to NAME', () => ['accounts', 'delete', '-i', 'dave', '--transfer-to', 'erin', '--yes'], (json) => {
      expect((json.account as {id: string}).id).toBe(ids.dave)
      expect((json.transferredTo as {id: string}).id).toBe(ids.erin)
    }],
  ]

  it.each(cases)('%s', async (_name, args, check) => {
    const result = await run(args())
    expect(result.code, result.stdout + result.stderr).toBe(0)
    check(result.json)
  })

  it.each([
    ['accounts get', ['accounts', 'get', '-i', 'nobody']],
    ['accounts delete', ['accounts', 'delete', '-i', 'nobody', '--yes']],
    ['groups add-member', ['groups', 'add-member', 'ops', '-i', 'alice,nobody']],
    ['tokens roles get', ['tokens', 'roles', 'get', 'Admin', '-i', 'nobody']],
  ])('%s: an unknown name is exit 4 and changes nothing', async (_name, args) => {
    const before = membersOf('ops')
    const result = await run(args)
    expect(result.code).toBe(4)
    expect(result.json).toMatchObject({error: {code: 'not_found', message: "no account with id or name 'nobody'"}})
    expect(membersOf('ops')).toEqual(before)
  })
})
