import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {PageOf} from '../../src/domain/context.js'
import {runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {PtySession} from '../helpers/pty.js'
import {countRows} from '../helpers/store.js'

/**
 * Issue 20.6 on the lists the first round left out: the glob filter (--name or --label; --target on the audit
 * trail), --sort/--order and --no-headers on tokens, signing keys, roles, admin keys, the audit trail, service and
 * deployment keys, service and infra permissions, and service versions. Each case names what its glob keeps (in the
 * list's default order) and the order a sort gives, read from the printed rows; then the bad inputs, and what an
 * admin key and a non-admin account's token see.
 */
let dir: TempDir
let adminKey: string
/** carol is in no admin group; her `readers` group may read churn and view prod, nothing of secret or hidden. */
let carolToken: string

type Item = Record<string, unknown>

interface Case {
  name: string
  command: string[]
  /** What identifies a row in the --json items and, at `column`, in the piped (tab-separated) rows. */
  key: (item: Item) => string
  column: number
  /** The glob flag and a glob that keeps some rows, not all; absent for a list with nothing to match. */
  filter?: {flag: string; glob: string; matching: string[]}
  sort: string
  /** The keys of the rows the filter keeps (all rows without one), sorted by `sort` ascending. */
  ascending: string[]
  /** Without a filter, every row's key in the list's default order. */
  unfiltered?: string[]
  header: string
  /** What carol's token gets from the filtered list: its rows, or the exit code of a refusal. */
  nonAdmin: {keys: string[]} | {code: number}
  /** The same list on an object carol may not see: not found (4), as a missing one would be. */
  unseen?: string[]
}

const byLabel = (item: Item) => String(item.label)
const byGroup = (item: Item) => String(item.group)

const CASES: Case[] = [
  {
    name: 'tokens list',
    command: ['tokens', 'list'],
    key: byLabel,
    column: 4,
    filter: {flag: '--name', glob: 'a*', matching: ['ci-deploy', 'models-nightly']},
    sort: 'label',
    ascending: ['ci-deploy', 'models-nightly'],
    header: 'EXPIRES',
    // Her own account's tokens only: alice's stay hidden whatever the glob.
    nonAdmin: {keys: []},
  },
  {
    name: 'tokens keys list',
    command: ['tokens', 'keys', 'list'],
    key: (item) => String(item.kid),
    column: 0,
    sort: 'kid',
    ascending: [],
    header: 'RETIRED',
    nonAdmin: {keys: []},
  },
  {
    name: 'tokens roles list',
    command: ['tokens', 'roles', 'list'],
    key: (item) => String(item.name),
    column: 0,
    filter: {flag: '--name', glob: '*Dev*', matching: ['AuditDeveloper']},
    sort: 'name',
    ascending: ['AuditDeveloper'],
    header: 'DESCRIPTION',
    nonAdmin: {keys: ['AuditDeveloper']},
  },
  {
    name: 'admin-key list',
    command: ['admin-key', 'list'],
    key: byLabel,
    column: 1,
    filter: {flag: '--label', glob: '*ci', matching: ['ci', 'backup-ci']},
    sort: 'label',
    ascending: ['backup-ci', 'ci'],
    header: 'LAST USED',
    nonAdmin: {code: 3},
  },
  {
    name: 'service keys list',
    command: ['service', 'keys', 'list', 'churn'],
    key: byLabel,
    column: 1,
    filter: {flag: '--label', glob: 'crm-*', matching: ['crm-batch', 'crm-backend']},
    sort: 'label',
    ascending: ['crm-backend', 'crm-batch'],
    header: 'CREATED BY',
    nonAdmin: {keys: ['crm-batch', 'crm-backend']},
    unseen: ['service', 'keys', 'list', 'secret'],
  },
  {
    name: 'deployment keys list',
    command: ['deployment', 'keys', 'list', 'churn-on-prod'],
    key: byLabel,
    column: 1,
    filter: {flag: '--label', glob: 'billing-*', matching: ['billing-us', 'billing-eu']},
    sort: 'label',
    ascending: ['billing-eu', 'billing-us'],
    header: 'CREATED BY',
    nonAdmin: {keys: ['billing-us', 'billing-eu']},
    unseen: ['deployment', 'keys', 'list', 'secret-on-hidden'],
  },
  {
    name: 'service permissions list',
    command: ['service', 'permissions', 'list', 'churn'],
    key: byGroup,
    column: 0,
    filter: {flag: '--name', glob: 'dev*', matching: ['devops', 'devs']},
    sort: 'write',
    ascending: ['devops', 'devs'],
    header: 'EFFECTIVE',
    nonAdmin: {keys: ['devops', 'devs']},
    unseen: ['service', 'permissions', 'list', 'secret'],
  },
  {
    name: 'infra permissions list',
    command: ['infra', 'permissions', 'list', 'prod'],
    key: byGroup,
    column: 0,
    filter: {flag: '--name', glob: 'dev*', matching: ['devops', 'devs']},
    sort: 'admin',
    ascending: ['devops', 'devs'],
    header: 'EFFECTIVE',
    nonAdmin: {keys: ['devops', 'devs']},
    unseen: ['infra', 'permissions', 'list', 'hidden'],
  },
  {
    name: 'service versions list',
    command: ['service', 'versions', 'list', 'churn'],
    key: (item) => String(item.version),
    column: 0,
    // Newest first by default: added v10, v2, v1, then w3.
    filter: {flag: '--name', glob: 'v*', matching: ['v1', 'v2', 'v10']},
    sort: 'version',
    ascending: ['v1', 'v10', 'v2'],
    header: 'SHA256',
    nonAdmin: {keys: ['v1', 'v2', 'v10']},
    unseen: ['service', 'versions', 'list', 'secret'],
  },
]

const operator = async (args: string[]) => {
  const result = await runCli(args, {store: dir.storePath})
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout.trim()
}

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['accounts', 'create', '-n', 'alice'],
    ['accounts', 'create', '-n', 'bob'],
    ['accounts', 'create', '-n', 'carol'],
    ['groups', 'create', 'readers'],
    ['groups', 'create', 'devops'],
    ['groups', 'create', 'devs'],
    ['groups', 'add-member', 'readers', '-i', 'carol'],
    ['service', 'create', 'churn'],
    ['service', 'create', 'secret'],
    ['infra', 'create', 'prod', '--stage', 'Production'],
    ['infra', 'create', 'hidden', '--stage', 'Test'],
    ['service', 'permissions', 'set', 'churn', '-g', 'readers', '--read'],
    ['service', 'permissions', 'set', 'churn', '-g', 'devops', '--deploy'],
    ['service', 'permissions', 'set', 'churn', '-g', 'devs', '--write'],
    ['infra', 'permissions', 'set', 'prod', '-g', 'readers', '--view'],
    ['infra', 'permissions', 'set', 'prod', '-g', 'devops', '--deploy'],
    ['infra', 'permissions', 'set', 'prod', '-g', 'devs', '--admin'],
    ['service', 'versions', 'add', 'churn', 'v10'],
    ['service', 'versions', 'add', 'churn', 'v2'],
    ['service', 'versions', 'add', 'churn', 'v1'],
    ['service', 'versions', 'add', 'churn', 'w3'],
    ['service', 'versions', 'add', 'secret', 'v1'],
    ['deployment', 'create', '-s', 'churn', '-I', 'prod'],
    ['deployment', 'create', '-s', 'secret', '-I', 'hidden'],
    ['service', 'keys', 'create', 'churn', '--label', 'crm-batch'],
    ['service', 'keys', 'create', 'churn', '--label', 'billing'],
    ['service', 'keys', 'create', 'churn', '--label', 'crm-backend'],
    ['service', 'keys', 'create', 'secret', '--label', 'crm-secret'],
    ['deployment', 'keys', 'create', 'churn-on-prod', '--label', 'billing-us'],
    ['deployment', 'keys', 'create', 'churn-on-prod', '--label', 'ops'],
    ['deployment', 'keys', 'create', 'churn-on-prod', '--label', 'billing-eu'],
    ['admin-key', 'create', '--label', 'ci'],
    ['admin-key', 'create', '--label', 'laptop'],
    ['admin-key', 'create', '--label', 'backup-ci'],
    ['tokens', 'create', '-i', 'alice', '--role', 'Admin', '--label', 'ci-deploy'],
    ['tokens', 'create', '-i', 'bob', '--role', 'AuditDeveloper', '--label', 'laptop'],
    ['tokens', 'create', '-i', 'alice', '-f', 'get', '-r', 'models', '--label', 'models-nightly'],
    ['tokens', 'keys', 'rotate'],
    ['tokens', 'keys', 'rotate'],
  ]) {
    await operator(args)
  }

  adminKey = await operator(['admin-key', 'create', '--label', 'break-glass'])
  carolToken = await operator(['tokens', 'create', '-i', 'carol', '--role', 'AuditDeveloper', '--label', 'carol-cli'])
  // The signing keys have no filter; their case sorts all three, oldest first by creation.
  const kids = (await runJson<PageOf<Item>>(['tokens', 'keys', 'list', '--json'], {store: dir.storePath})).json.items.map((k) => String(k.kid))
  const keysCase = CASES.find((c) => c.name === 'tokens keys list')!
  keysCase.unfiltered = kids
  keysCase.ascending = kids.toSorted()
  keysCase.nonAdmin = {keys: kids}
}, 180_000)

afterAll(() => dir.cleanup())

const auditRows = () => countRows(dir.storePath, 'audit_log')

/** The keys of the rows a piped run printed: its tab-separated lines, one column of each. */
const printedKeys = (stdout: string, column: number) =>
  stdout
    .split('\n')
    .filter((line) => line.includes('\t'))
    .map((line) => line.split('\t')[column])

describe.each(CASES)('$name', (c) => {
  const filterArgs = c.filter ? [c.filter.flag, c.filter.glob] : []
  // Read when a test runs: the signing keys' case learns its kids in beforeAll.
  const kept = () => (c.filter ? c.filter.matching : c.unfiltered!)

  it.runIf(c.filter !== undefined)('the glob keeps only the rows it matches, in the default order', async () => {
    const {json} = await runJson<PageOf<Item>>([...c.command, ...filterArgs, '--json'], {store: dir.storePath})
    expect(json.items.map(c.key)).toEqual(c.filter!.matching)
    const piped = await runCli([...c.command, ...filterArgs], {store: dir.storePath})
    expect(piped.code).toBe(0)
    expect(printedKeys(piped.stdout, c.column)).toEqual(c.filter!.matching)
    const none = await runJson<PageOf<Item>>([...c.command, c.filter!.flag, 'zz*', '--json'], {store: dir.storePath})
    expect(none.json.items).toEqual([])
  })

  it('--sort orders the printed rows ascending, and --order desc reverses them', async () => {
    const ascending = await runCli([...c.command, ...filterArgs, '--sort', c.sort], {store: dir.storePath})
    expect(ascending.code, ascending.stderr).toBe(0)
    expect(printedKeys(ascending.stdout, c.column)).toEqual(c.ascending)
    const descending = await runCli([...c.command, ...filterArgs, '--sort', c.sort, '--order', 'desc'], {store: dir.storePath})
    expect(printedKeys(descending.stdout, c.column)).toEqual(c.ascending.toReversed())
  })

  it('--no-headers drops the header line on a terminal, and is ignored with --json', async () => {
    const withHeader = new PtySession([...c.command, ...filterArgs], {ACCESSCTL_STORE: dir.storePath})
    expect(await withHeader.exit()).toBe(0)
    expect(withHeader.text).toContain(c.header)
    const without = new PtySession([...c.command, ...filterArgs, '--no-headers'], {ACCESSCTL_STORE: dir.storePath})
    expect(await without.exit()).toBe(0)
    expect(without.text).not.toContain(c.header)
    expect(without.text.trim().split(/\r?\n/)).toHaveLength(kept().length)
    const {json} = await runJson<PageOf<Item>>([...c.command, ...filterArgs, '--no-headers', '--json'], {store: dir.storePath})
    expect(json.items.map(c.key)).toEqual(kept())
  })

  it('a field outside the list or a bad glob is exit 2, before the store is opened, with nothing written', async () => {
    const before = auditRows()
    const badSort = await runCli([...c.command, '--sort', 'password'], {store: dir.storePath})
    expect(badSort.code).toBe(2)
    expect(badSort.stderr).toMatch(new RegExp(`^Error: --sort takes one of: .*\\b${c.sort}\\b.*; got 'password'`))
    expect(badSort.stdout).toBe('')
    const badOrder = await runCli([...c.command, '--order', 'sideways'], {store: dir.storePath})
    expect(badOrder.code).toBe(2)
    expect(badOrder.stderr).toContain("--order takes one of: asc, desc; got 'sideways'")
    if (c.filter) {
      const empty = await runCli([...c.command, c.filter.flag, ''], {store: dir.storePath})
      expect(empty.code).toBe(2)
      expect(empty.stderr).toContain(`${c.filter.flag} is empty`)
      const long = await runCli([...c.command, c.filter.flag, '*'.repeat(201)], {store: dir.storePath})
      expect(long.code).toBe(2)
      expect(long.stderr).toContain(`${c.filter.flag} has at most 200 characters; this one has 201`)
      expect(long.stdout).toBe('')
    }

    expect(auditRows()).toBe(before)
    // No store at all: still a usage error, so nothing was opened to find that out.
    const nowhere = await runCli([...c.command, '--sort', 'password'], {store: `${dir.path}/missing/store.db`})
    expect(nowhere.code).toBe(2)
  })

  it('an admin key sees what the operator sees; a non-admin token sees only what it may', async () => {
    const args = [...c.command, ...filterArgs, '--sort', c.sort, '--json']
    const asKey = await runJson<PageOf<Item>>(args, {store: dir.storePath, env: {ACCESSCTL_ADMIN_KEY: adminKey}})
    expect(asKey.json.items.map(c.key)).toEqual(c.ascending)
    const asCarol = await runCli(args, {store: dir.storePath, env: {ACCESSCTL_TOKEN: carolToken}})
    if ('code' in c.nonAdmin) {
      expect(asCarol.code).toBe(c.nonAdmin.code)
      expect(asCarol.stdout).not.toMatch(/backup-ci|break-glass/)
    } else {
      expect(asCarol.code, asCarol.stderr).toBe(0)
      expect((JSON.parse(asCarol.stdout) as PageOf<Item>).items.map(c.key).sort()).toEqual([...c.nonAdmin.keys].sort())
    }

    if (c.unseen) {
      const unseen = await runCli([...c.unseen, ...filterArgs.map((arg) => (arg === c.filter?.glob ? '*' : arg))], {
        store: dir.storePath,
        env: {ACCESSCTL_TOKEN: carolToken},
      })
      expect(unseen.code).toBe(4)
      expect(unseen.stdout).toBe('')
    }
  })
})

describe('tokens list: --name is the account, --label the token', () => {
  it('--label keeps the tokens whose label matches, of every account', async () => {
    const {json} = await runJson<PageOf<Item>>(['tokens', 'list', '--label', '*t*', '--sort', 'account', '--json'], {store: dir.storePath})
    expect(json.items.map((t) => [t.accountName, t.label])).toEqual([
      ['alice', 'models-nightly'],
      ['bob', 'laptop'],
    ])
  })

  it("a non-admin token's --name '*' still lists only its own account's tokens", async () => {
    const {json} = await runJson<PageOf<Item>>(['tokens', 'list', '--name', '*', '--json'], {store: dir.storePath, env: {ACCESSCTL_TOKEN: carolToken}})
    expect(json.items.map((t) => [t.accountName, t.label])).toEqual([['carol', 'carol-cli']])
  })
})

describe('audit list: --target, --sort and --follow', () => {
  const entries = async (...args: string[]) =>
    (await runJson<PageOf<{id: number; action: string; target: string | null}>>(['audit', 'list', ...args, '--json'], {store: dir.storePath})).json.items

  it('--target keeps the entries whose target matches, newest first', async () => {
    const all = await entries()
    const matching = await entries('--target', 'service:churn/*')
    expect(matching.length).toBeGreaterThan(3)
    expect(matching).toEqual(all.filter((entry) => entry.target?.startsWith('service:churn/')))
    expect(matching.map((entry) => entry.id)).toEqual(matching.map((entry) => entry.id).toSorted((a, b) => b - a))
  })

  it('--sort time is oldest first, --sort action orders by action then time; printed rows follow', async () => {
    const newestFirst = await entries('--target', 'service:churn/*')
    expect((await entries('--target', 'service:churn/*', '--sort', 'time')).map((e) => e.id)).toEqual(newestFirst.map((e) => e.id).toReversed())
    const byAction = newestFirst.toSorted((a, b) => (a.action === b.action ? a.id - b.id : a.action < b.action ? -1 : 1))
    const piped = await runCli(['audit', 'list', '--target', 'service:churn/*', '--sort', 'action'], {store: dir.storePath})
    expect(printedKeys(piped.stdout, 2)).toEqual(byAction.map((e) => e.action))
    const desc = await runCli(['audit', 'list', '--target', 'service:churn/*', '--sort', 'action', '--order', 'desc'], {store: dir.storePath})
    expect(printedKeys(desc.stdout, 2)).toEqual(byAction.map((e) => e.action).toReversed())
  })

  it('stays an administrators\' list: a non-admin token is refused (exit 3), filter or not', async () => {
    const refused = await runCli(['audit', 'list', '--target', 'service:*', '--sort', 'action'], {store: dir.storePath, env: {ACCESSCTL_TOKEN: carolToken}})
    expect(refused.code).toBe(3)
    expect(refused.stdout).toBe('')
    const asKey = await runJson<PageOf<{target: string}>>(['audit', 'list', '--target', 'service:churn/*', '--json'], {store: dir.storePath, env: {ACCESSCTL_ADMIN_KEY: adminKey}})
    expect(asKey.json.items).toEqual(await entries('--target', 'service:churn/*'))
  })

  it('--sort and --order are refused with --follow, which prints rows in the order they are written', async () => {
    for (const flag of [['--sort', 'action'], ['--order', 'asc']]) {
      const result = await runCli(['audit', 'list', '--follow', ...flag, '--until', '1s'], {store: dir.storePath})
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`cannot also be provided when using ${flag[0]}`)
      expect(result.stdout).toBe('')
    }
  })

  it('--target filters what --follow prints, and --no-headers drops its header on a terminal', async () => {
    const followed = await runCli(['audit', 'list', '--follow', '--target', 'service:secret*', '--until', '1s', '--json'], {store: dir.storePath})
    expect(followed.code).toBe(0)
    const lines = followed.stdout.trim().split('\n').map((line) => JSON.parse(line) as {target: string})
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.every((line) => line.target.startsWith('service:secret'))).toBe(true)
    const onTerminal = new PtySession(['audit', 'list', '--follow', '--target', 'service:secret*', '--until', '1s', '--no-headers'], {ACCESSCTL_STORE: dir.storePath})
    expect(await onTerminal.exit()).toBe(0)
    expect(onTerminal.text).toContain('service.create')
    expect(onTerminal.text).not.toContain('OUTCOME')
  })
})
