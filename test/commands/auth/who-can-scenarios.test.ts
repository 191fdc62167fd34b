import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {AuthCanIResult} from '../../../src/commands/auth/can-i.js'
import type {AuthWhoCanResult} from '../../../src/commands/auth/who-can.js'
import type {CanIList} from '../../../src/domain/can-i/list.js'
import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'

/**
 * The two Deployer scenarios of docs/deployer.md ("Scenario (a)" and "Scenario (b)"), built with the real CLI as that page
 * builds them, then every cell of their matrix: for each (action, target), the accounts `auth who-can` lists must be
 * exactly those for which `auth can-i --as ACCOUNT` says yes; and each account's `auth can-i --list` must list an
 * object with an action exactly when can-i says yes to it. One global administrator (paula) is added to the page's
 * people, so that the global-admin way of holding a privilege is in the matrix too.
 */

const PEOPLE = ['alice', 'frank', 'eve', 'dave', 'paula'] as const
type Person = (typeof PEOPLE)[number]
const SERVICES = ['weather', 'fraud-scoring', 'churn']
const INFRAS = ['dev', 'test', 'prod']
const DEPLOYMENTS = ['churn-on-dev', 'churn-on-test', 'churn-on-prod']

interface Cell {
  /** The question as both commands take it. */
  args: string[]
  /** The object and action as can-i --list reports them; none for create and for deploy S --infra I. */
  listed?: {kind: string; id: string; action: string}
}

const CELLS: Cell[] = [
  ...SERVICES.flatMap((id) =>
    ['read', 'write', 'deploy', 'administer'].map((action) => ({args: [action, `service/${id}`], listed: {kind: 'service', id, action}})),
  ),
  ...INFRAS.flatMap((id) => ['read', 'deploy', 'administer'].map((action) => ({args: [action, `infra/${id}`], listed: {kind: 'infrastructure', id, action}}))),
  ...DEPLOYMENTS.flatMap((id) => ['read', 'deploy'].map((action) => ({args: [action, `deployment/${id}`], listed: {kind: 'deployment', id, action}}))),
  ...SERVICES.flatMap((service) => INFRAS.map((infra) => ({args: ['deploy', `service/${service}`, '--infra', infra]}))),
  ...INFRAS.map((infra) => ({args: ['deploy', `infra/${infra}`, '--service', 'churn']})),
  {args: ['create', 'service']},
  {args: ['create', 'infra']},
]

let dir: TempDir
const ids = {} as Record<Person, string>
const yes = new Map<string, Set<Person>>()

/** Runs the commands in groups of four at a time: the CLI starts slowly, and the store is read, never written. */
async function inParallel<T>(jobs: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = []
  for (let i = 0; i < jobs.length; i += 4) results.push(...(await Promise.all(jobs.slice(i, i + 4).map((job) => job()))))
  return results
}

beforeAll(async () => {
  dir = tempDir()
  const env: Record<string, string> = {}
  const sh = async (args: string[]) => {
    const result = await runCli(args, {store: dir.storePath, env})
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout.trim()
  }

  const account = async (name: string, group?: string) => {
    const created = await runJson<{id: string}>(['accounts', 'create', '-n', `${name}@example.com`, ...(group ? ['-g', group] : [])], {store: dir.storePath})
    return created.json.id
  }

  // Scenario (a), as in docs/deployer.md.
  await sh(['groups', 'create', 'data-scientists', '--may-create-services'])
  await sh(['groups', 'create', 'fraud-team'])
  ids.alice = await account('alice', 'data-scientists')
  ids.frank = await account('frank', 'fraud-team')
  ids.eve = await account('eve')
  await sh(['service', 'create', 'weather'])
  await sh(['service', 'permissions', 'set', 'weather', '--group', 'everyone', '--read'])
  await sh(['service', 'create', 'fraud-scoring', '--no-public'])
  await sh(['service', 'permissions', 'set', 'fraud-scoring', '--group', 'fraud-team', '--admin'])

  // Scenario (b), as in docs/deployer.md: alice creates churn with her token, dave deploys it to production with his.
  await sh(['groups', 'create', 'devops'])
  ids.dave = await account('dave', 'devops')
  await sh(['infra', 'create', 'dev', '--stage', 'Development'])
  await sh(['infra', 'create', 'test', '--stage', 'Test'])
  await sh(['infra', 'create', 'prod', '--stage', 'Production'])
  for (const infra of ['dev', 'test']) await sh(['infra', 'permissions', 'set', infra, '--group', 'data-scientists', '--deploy'])
  await sh(['infra', 'permissions', 'set', 'prod', '--group', 'data-scientists', '--view'])
  for (const infra of INFRAS) await sh(['infra', 'permissions', 'set', infra, '--group', 'devops', '--deploy'])
  const aliceToken = await sh(['tokens', 'create', '-t', 'ephemeral', '-i', ids.alice, '--role', 'Admin'])
  const daveToken = await sh(['tokens', 'create', '-t', 'ephemeral', '-i', ids.dave, '--role', 'Admin'])
  env.ACCESSCTL_TOKEN = aliceToken
  await sh(['service', 'create', 'churn'])
  await sh(['service', 'versions', 'add', 'churn', 'v1'])
  await sh(['service', 'permissions', 'set', 'churn', '--group', 'devops', '--deploy'])
  await sh(['deployment', 'create', '--service', 'churn', '--infra', 'dev'])
  await sh(['deployment', 'create', '--service', 'churn', '--infra', 'test'])
  env.ACCESSCTL_TOKEN = daveToken
  await sh(['deployment', 'create', '--service', 'churn', '--infra', 'prod'])
  delete env.ACCESSCTL_TOKEN

  // Beyond docs/deployer.md: a global administrator.
  await sh(['groups', 'create', 'platform-admins', '--admin'])
  ids.paula = await account('paula', 'platform-admins')

  // can-i --as, asked for every cell and every person.
  const asked = CELLS.flatMap((cell) =>
    PEOPLE.map((person) => async () => {
      const result = await runCli(['auth', 'can-i', ...cell.args, '--as', ids[person]], {store: dir.storePath})
      expect([0, 3], `can-i ${cell.args.join(' ')} --as ${person}: ${result.stderr}`).toContain(result.code)
      return {key: cell.args.join(' '), person, allowed: result.code === 0}
    }),
  )
  for (const {key, person, allowed} of await inParallel(asked)) {
    if (!yes.has(key)) yes.set(key, new Set())
    if (allowed) yes.get(key)!.add(person)
  }
}, 600_000)

afterAll(() => dir.cleanup())

describe('auth who-can and auth can-i --list agree with auth can-i --as on the documented scenarios', () => {
  it('the scenarios are what docs/deployer.md says: spot checks of can-i', () => {
    expect(yes.get('read service/weather')).toEqual(new Set(PEOPLE))
    expect(yes.get('read service/fraud-scoring')).toEqual(new Set(['frank', 'paula']))
    expect(yes.get('deploy service/churn --infra prod')).toEqual(new Set(['dave', 'paula']))
    expect(yes.get('deploy service/churn --infra dev')).toEqual(new Set(['alice', 'dave', 'paula']))
    expect(yes.get('create service')).toEqual(new Set(['alice', 'paula']))
  })

  it('who-can lists, for every cell, exactly the accounts can-i --as says yes for', async () => {
    const answers = await inParallel(
      CELLS.map((cell) => async () => ({cell, answer: await runJson<AuthWhoCanResult>(['auth', 'who-can', ...cell.args, '--limit', '10000'], {store: dir.storePath})})),
    )
    const byId = new Map(PEOPLE.map((person) => [ids[person], person]))
    for (const {cell, answer} of answers) {
      const key = cell.args.join(' ')
      expect(answer.code, `who-can ${key}: ${answer.stderr}`).toBe(0)
      expect(answer.json.nextOffset).toBeNull()
      const listed = new Set(answer.json.items.map((item) => byId.get(item.id)))
      expect(listed, key).toEqual(yes.get(key))
      // Every listed account is told why, for each need.
      for (const item of answer.json.items) {
        expect(item.via).toHaveLength(answer.json.needs.length)
        for (const need of item.via) expect(need.through.length, `${key}: ${item.name}`).toBeGreaterThan(0)
      }
    }
  }, 300_000)

  it("can-i --list --as ACCOUNT shows an object with an action exactly when can-i says yes to it", async () => {
    const lists = await inParallel(
      PEOPLE.map((person) => async () => ({person, list: await runJson<AuthCanIResult>(['auth', 'can-i', '--list', '--as', ids[person]], {store: dir.storePath})})),
    )
    for (const {person, list} of lists) {
      expect(list.code).toBe(0)
      const document = list.json as CanIList
      expect(document.subject).toMatchObject({kind: 'account', accountId: ids[person]})
      expect(document.nextOffset).toBeNull()
      for (const cell of CELLS) {
        const key = cell.args.join(' ')
        const expected = yes.get(key)!.has(person)
        if (cell.listed) {
          const item = document.items.find((row) => row.kind === cell.listed!.kind && row.id === cell.listed!.id)
          expect(item?.actions.includes(cell.listed.action as never) ?? false, `${person}: ${key}`).toBe(expected)
        }
      }

      expect(document.create).toEqual({service: yes.get('create service')!.has(person), infrastructure: yes.get('create infra')!.has(person)})
      // What is listed is what can be seen: every listed object has read among its actions.
      for (const item of document.items) expect(item.actions, `${person}: ${item.kind} ${item.id}`).toContain('read')
    }
  }, 300_000)
})
