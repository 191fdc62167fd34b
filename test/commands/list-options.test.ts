import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {PageOf} from '../../src/domain/context.js'
import {runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {PtySession} from '../helpers/pty.js'

/**
 * Issue 20.6: --name GLOB, --sort/--order and --no-headers on the lists that page in SQL. Each case names what
 * the glob keeps and the order a sort gives, and pages through both with --limit 1 so that the filter and the
 * order hold across pages.
 */
let dir: TempDir

interface Case {
  command: string[]
  key: (item: Record<string, unknown>) => string
  glob: string
  matching: string[]
  sort: string
  /** The keys of the matching rows, sorted by `sort` descending. */
  descending: string[]
  header: string
}

const CASES: Case[] = [
  {command: ['accounts', 'list'], key: (a) => String(a.name), glob: 'a*', matching: ['alice', 'anne'], sort: 'created', descending: ['anne', 'alice'], header: 'NAME'},
  {command: ['groups', 'list'], key: (g) => String(g.name), glob: 'dev*', matching: ['devops', 'devs'], sort: 'created', descending: ['devs', 'devops'], header: 'MAY-CREATE-SERVICES'},
  {command: ['service', 'list'], key: (s) => String(s.id), glob: 'ch?rn*', matching: ['churn', 'churn-b'], sort: 'created', descending: ['churn-b', 'churn'], header: 'PUBLIC'},
  {command: ['infra', 'list'], key: (i) => String(i.id), glob: '[pd]*', matching: ['dev', 'prod'], sort: 'stage', descending: ['prod', 'dev'], header: 'STAGE'},
  {
    command: ['deployment', 'list'],
    key: (d) => String(d.id),
    glob: 'churn-on-*',
    matching: ['churn-on-dev', 'churn-on-prod'],
    sort: 'infra',
    descending: ['churn-on-prod', 'churn-on-dev'],
    header: 'SERVICE',
  },
]

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['accounts', 'create', '-n', 'alice'],
    ['accounts', 'create', '-n', 'bob'],
    ['accounts', 'create', '-n', 'anne'],
    ['groups', 'create', 'devops'],
    ['groups', 'create', 'ops'],
    ['groups', 'create', 'devs'],
    ['service', 'create', 'churn'],
    ['service', 'create', 'other'],
    ['service', 'create', 'churn-b'],
    ['service', 'versions', 'add', 'churn', 'v1'],
    ['service', 'versions', 'add', 'other', 'v1'],
    ['infra', 'create', 'prod', '--stage', 'Production'],
    ['infra', 'create', 'dev', '--stage', 'Development'],
    ['infra', 'create', 'test', '--stage', 'Test'],
    ['deployment', 'create', '--service', 'churn', '--infra', 'prod'],
    ['deployment', 'create', '--service', 'churn', '--infra', 'dev'],
    ['deployment', 'create', '--service', 'other', '--infra', 'prod'],
  ]) {
    const result = await runCli(args, {store: dir.storePath})
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  }
}, 120_000)

afterAll(() => dir.cleanup())

type Item = Record<string, unknown>

describe.each(CASES)('$command.0 list options', (c) => {
  const list = async (...extra: string[]) => runJson<PageOf<Item>>([...c.command, ...extra, '--json'], {store: dir.storePath})

  it('--name keeps only the rows whose name matches the glob', async () => {
    const {json} = await list('--name', c.glob)
    expect(json.items.map(c.key)).toEqual(c.matching)
    const piped = await runCli([...c.command, '--name', c.glob], {store: dir.storePath})
    expect(piped.stdout.trim().split('\n').map((line) => line.split('\t')[c.command[0] === 'accounts' ? 1 : 0])).toEqual(c.matching)
  })

  it('--sort and --order desc with --name page one row at a time in that order', async () => {
    const first = await list('--name', c.glob, '--sort', c.sort, '--order', 'desc', '--limit', '1')
    expect(first.json.items.map(c.key)).toEqual([c.descending[0]])
    expect(first.json.nextOffset).toBe(1)
    const second = await list('--name', c.glob, '--sort', c.sort, '--order', 'desc', '--limit', '1', '--offset', '1')
    expect(second.json.items.map(c.key)).toEqual([c.descending[1]])
    expect(second.json.nextOffset).toBeNull()
  })

  it('a field outside the list is exit 2 naming the valid ones', async () => {
    const result = await runCli([...c.command, '--sort', 'password'], {store: dir.storePath})
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--sort takes one of: .*created/)
    expect(result.stdout).toBe('')
  })

  it('a glob no name matches gives an empty page', async () => {
    const {json} = await list('--name', 'zz*')
    expect(json).toEqual({items: [], limit: 100, offset: 0, nextOffset: null})
  })

  it('--no-headers drops the header line on a terminal, and is ignored with --json', async () => {
    const withHeader = new PtySession([...c.command, '--name', c.glob], {ACCESSCTL_STORE: dir.storePath})
    expect(await withHeader.exit()).toBe(0)
    expect(withHeader.text).toContain(c.header)
    const without = new PtySession([...c.command, '--name', c.glob, '--no-headers'], {ACCESSCTL_STORE: dir.storePath})
    expect(await without.exit()).toBe(0)
    expect(without.text).not.toContain(c.header)
    expect(without.text.trim().split(/\r?\n/)).toHaveLength(c.matching.length)
    const {json} = await list('--name', c.glob, '--no-headers')
    expect(json.items.map(c.key)).toEqual(c.matching)
  })
})

describe('list options: input limits', () => {
  it('refuses an empty or over-long glob with exit 2', async () => {
    const empty = await runCli(['accounts', 'list', '--name', ''], {store: dir.storePath})
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('--name is empty')
    const long = await runCli(['accounts', 'list', '--name', 'a'.repeat(201)], {store: dir.storePath})
    expect(long.code).toBe(2)
    expect(long.stderr).toContain('--name has at most 200 characters')
  })

  it('binds the glob, so SQL in it is only text to match', async () => {
    const {json} = await runJson<PageOf<Item>>(['accounts', 'list', '--name', "' OR 1=1 --", '--json'], {store: dir.storePath})
    expect(json.items).toEqual([])
  })

  it('matches case-sensitively', async () => {
    const {json} = await runJson<PageOf<Item>>(['accounts', 'list', '--name', 'A*', '--json'], {store: dir.storePath})
    expect(json.items).toEqual([])
  })
})
