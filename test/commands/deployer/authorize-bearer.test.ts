import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Authorization} from '../../../src/domain/query-auth.js'
import {expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'

/**
 * Issue 10, item 5: `deployment authorize --bearer` admitted a token whose account may not even see the service.
 * A token never exceeds its account: consume in its grants AND read on the service AND view on the infrastructure.
 */
let dir: TempDir
const run = (...args: string[]) => runCli(args, {store: dir.storePath})
const ids: Record<string, string> = {}
const tokens: Record<string, string> = {}

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['service', 'create', 'fraud-scoring', '--no-public'],
    ['service', 'versions', 'add', 'fraud-scoring', 'v1'],
    ['infra', 'create', 'dev', '--stage', 'Development'],
    ['deployment', 'create', '--service', 'fraud-scoring', '--infra', 'dev'],
    ['groups', 'create', 'readers'],
    ['groups', 'create', 'viewers'],
    ['service', 'permissions', 'set', 'fraud-scoring', '--group', 'readers', '--read'],
    ['infra', 'permissions', 'set', 'dev', '--group', 'readers', '--view'],
    ['infra', 'permissions', 'set', 'dev', '--group', 'viewers', '--view'],
  ]) {
    const result = await run(...args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  }

  for (const [name, group] of [['mallory', 'viewers'], ['reader', 'readers']]) {
    ids[name] = (await runJson<{id: string}>(['accounts', 'create', '-n', name, '-g', group], {store: dir.storePath})).json.id
    const created = await run('tokens', 'create', '-t', 'ephemeral', '-i', name, '--role', 'Admin')
    expect(created.code, created.stderr).toBe(0)
    tokens[name] = created.stdout.trim()
  }
})
afterAll(() => dir.cleanup())

describe('deployment authorize --bearer', () => {
  it('the reproduction: an Admin-role token of an account without read on the service is not admitted', async () => {
    const seen = await runCli(['service', 'get', 'fraud-scoring'], {store: dir.storePath, env: {ACCESSCTL_TOKEN: tokens.mallory}})
    expect(seen.code).toBe(4)

    const answer = await runJson<Authorization>(['deployment', 'authorize', 'fraud-scoring-on-dev', '--bearer', tokens.mallory], {store: dir.storePath})
    expect(answer.code).toBe(3)
    expect(answer.json).toMatchObject({admitted: false, via: null})
    expect(answer.json.reason).toMatch(/may not see deployment fraud-scoring-on-dev/)
    const human = await run('deployment', 'authorize', 'fraud-scoring-on-dev', '--bearer', tokens.mallory)
    expect(human.code).toBe(3)
    expect(human.stderr).toMatch(/^Error: not admitted: the token's account \w+ may not see deployment fraud-scoring-on-dev/)
    expectNoStackTrace(human)
  })

  it('the same token role is admitted for an account with read on the service and view on the infrastructure', async () => {
    const answer = await runJson<Authorization>(['deployment', 'authorize', 'fraud-scoring-on-dev', '--bearer', tokens.reader], {store: dir.storePath})
    expect(answer.code).toBe(0)
    expect(answer.json).toMatchObject({admitted: true, via: 'token'})
  })
})
