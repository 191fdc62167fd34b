import {Config} from '@oclif/core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {PageOf} from '../../src/domain/context.js'
import {PROJECT_ROOT, runCli, type TempDir, tempDir} from '../helpers/cli.js'
import {runInProcess} from '../helpers/in-process.js'

/**
 * Issue 13.4: every list command prints one document, {items, limit, offset, nextOffset}, and pages the same way.
 * The store holds two of every listed thing, so that --limit 1 must leave a next page.
 */
let dir: TempDir

const LISTS: Array<{command: string[]; extra?: string[]}> = [
  {command: ['accounts', 'list']},
  {command: ['admin-key', 'list']},
  {command: ['audit', 'list']},
  {command: ['groups', 'list']},
  {command: ['tokens', 'list']},
  {command: ['tokens', 'keys', 'list']},
  {command: ['tokens', 'roles', 'list']},
  {command: ['service', 'list']},
  {command: ['service', 'keys', 'list', 'churn'], extra: ['service']},
  {command: ['service', 'permissions', 'list', 'churn'], extra: ['owner', 'service']},
  {command: ['service', 'versions', 'list', 'churn']},
  {command: ['infra', 'list']},
  {command: ['infra', 'permissions', 'list', 'prod'], extra: ['infrastructure']},
  {command: ['deployment', 'list']},
  {command: ['deployment', 'keys', 'list', 'churn-on-prod'], extra: ['authMode', 'deployment']},
]

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['accounts', 'create', '-n', 'alice'],
    ['accounts', 'create', '-n', 'bob'],
    ['groups', 'create', 'ops'],
    ['admin-key', 'create', '--label', 'one'],
    ['admin-key', 'create', '--label', 'two'],
    ['tokens', 'create', '-i', 'alice', '--role', 'Admin'],
    ['tokens', 'create', '-i', 'bob', '--role', 'Admin'],
    ['tokens', 'keys', 'rotate'],
    ['service', 'create', 'churn'],
    ['service', 'create', 'other'],
    ['service', 'versions', 'add', 'churn', 'v1'],
    ['service', 'versions', 'add', 'churn', 'v2'],
    ['service', 'keys', 'create', 'churn'],
    ['service', 'keys', 'create', 'churn'],
    ['service', 'permissions', 'set', 'churn', '-g', 'ops', '--read'],
    ['service', 'permissions', 'set', 'churn', '-g', 'everyone', '--read'],
    ['infra', 'create', 'prod', '--stage', 'Production'],
    ['infra', 'create', 'dev', '--stage', 'Development'],
    ['infra', 'permissions', 'set', 'prod', '-g', 'ops', '--view'],
    ['infra', 'permissions', 'set', 'prod', '-g', 'everyone', '--view'],
    ['deployment', 'create', '--service', 'churn', '--infra', 'prod'],
    ['deployment', 'create', '--service', 'churn', '--infra', 'dev'],
    ['deployment', 'keys', 'create', 'churn-on-prod'],
    ['deployment', 'keys', 'create', 'churn-on-prod'],
  ]) {
    const result = await runCli(args, {store: dir.storePath})
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  }
}, 120_000)
afterAll(() => dir.cleanup())

describe('every list command', () => {
  it.each(LISTS.map((list) => [list.command.join(' '), list] as const))('%s: {items, limit, offset, nextOffset}, paged', async (_name, list) => {
    const all = await runInProcess(list.command, {store: dir.storePath, json: true})
    expect(all.code, all.stderr).toBe(0)
    const whole = JSON.parse(all.stdout) as PageOf<unknown> & Record<string, unknown>
    expect(Object.keys(whole).sort()).toEqual(['items', 'limit', 'nextOffset', 'offset', ...(list.extra ?? [])].sort())
    expect(whole).toMatchObject({limit: 100, offset: 0, nextOffset: null})
    expect(whole.items.length).toBeGreaterThanOrEqual(2)

    const first = JSON.parse((await runInProcess([...list.command, '--limit', '1'], {store: dir.storePath, json: true})).stdout) as PageOf<unknown>
    expect(first).toMatchObject({limit: 1, offset: 0, nextOffset: 1})
    expect(first.items).toEqual(whole.items.slice(0, 1))

    const second = JSON.parse(
      (await runInProcess([...list.command, '--limit', '1', '--offset', '1'], {store: dir.storePath, json: true})).stdout,
    ) as PageOf<unknown>
    expect(second.items).toEqual(whole.items.slice(1, 2))
  })

  it('covers every list command there is', async () => {
    const config = await Config.load(PROJECT_ROOT)
    const listIds = config.commands.map((command) => command.id).filter((id) => id.endsWith(':list')).sort()
    expect(listIds).toEqual(LISTS.map((list) => list.command.filter((word) => !['churn', 'prod', 'churn-on-prod'].includes(word)).join(':')).sort())
  })
})
