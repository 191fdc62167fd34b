import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {aliasTable, canonicalArgv, withLeadingGlobalFlagsMoved} from '../../src/cli/aliases.js'
import {nearestCommands, unknownCommandError} from '../../src/cli/main.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
const commandIds = Object.keys(manifest.commands)
const topics = [...new Set(commandIds.flatMap((id) => id.split(':').slice(0, -1).map((_, index, parts) => parts.slice(0, index + 1).join(':'))))]

describe('aliases (src/cli/aliases.ts)', () => {
  it.each([
    [['admin-key-create', '--label', 'ci'], ['admin-key', 'create', '--label', 'ci']],
    [['admin-keys-list'], ['admin-key', 'list']],
    [['admin-key-delete', 'KEY'], ['admin-key', 'delete', 'KEY']],
    [['account', 'get', '-i', 'x'], ['accounts', 'get', '-i', 'x']],
    [['group', 'list'], ['groups', 'list']],
    [['token', 'create'], ['tokens', 'create']],
    [['token', 'key', 'list'], ['tokens', 'keys', 'list']],
    [['tokens', 'role', 'list'], ['tokens', 'roles', 'list']],
    [['services', 'version', 'add', 's', '1'], ['service', 'versions', 'add', 's', '1']],
    [['service', 'permission', 'list', 's'], ['service', 'permissions', 'list', 's']],
    [['infras', 'list'], ['infra', 'list']],
    [['infrastructure', 'permission', 'list', 'dev'], ['infra', 'permissions', 'list', 'dev']],
    [['infrastructures', 'get', 'dev'], ['infra', 'get', 'dev']],
    [['deployments', 'key', 'list', 'd'], ['deployment', 'keys', 'list', 'd']],
    [['admin-keys', 'list'], ['admin-key', 'list']],
    [['help'], ['--help']],
    [['help', 'tokens', 'create'], ['tokens', 'create', '--help']],
    [['help', 'token', 'key', 'list'], ['tokens', 'keys', 'list', '--help']],
    [['help', 'accounts', '--', 'x'], ['accounts', '--help', '--', 'x']],
    // Only command words are read: arguments and flag values that happen to be alias words stay as typed.
    [['service', 'get', 'versions'], ['service', 'get', 'versions']],
    [['accounts', 'create', '-n', 'account'], ['accounts', 'create', '-n', 'account']],
    [['groups', 'key'], ['groups', 'key']],
    [['deployment', 'version'], ['deployment', 'version']],
    [[], []],
  ])('%j is %j', (typed, canonical) => {
    expect(canonicalArgv(typed)).toEqual(canonical)
  })

  it('leaves canonical words alone, and resolving twice changes nothing', () => {
    for (const id of commandIds) expect(canonicalArgv(id.split(':'))).toEqual(id.split(':'))
    for (const {alias} of aliasTable()) expect(canonicalArgv(canonicalArgv(alias))).toEqual(canonicalArgv(alias))
  })

  it('points every alias at an existing topic or command, and no alias is a name of its own', () => {
    const known = new Set([...commandIds, ...topics])
    for (const {alias, canonical} of aliasTable()) {
      expect(known.has(canonical.join(':')), `${alias.join(' ')} -> ${canonical.join(' ')}`).toBe(true)
      expect(known.has(alias.join(':')), alias.join(' ')).toBe(false)
      expect(canonicalArgv(alias)).toEqual(canonical)
    }
  })

  it('covers the singular and the plural of every topic', () => {
    const spellings = new Set([...topics, ...aliasTable().map(({alias}) => alias.join(':'))])
    for (const topic of topics.filter((name) => !['store', 'audit', 'auth', 'deployment:auth', 'autocomplete', 'config'].includes(name))) {
      const last = topic.split(':').at(-1)!
      const other = last.endsWith('s') ? last.slice(0, -1) : `${last}s`
      expect(spellings.has([...topic.split(':').slice(0, -1), other].join(':')), `${topic}: ${other}`).toBe(true)
    }
  })
})

describe('the nearest commands to an unknown one', () => {
  it.each([
    [['tokn', 'create'], 'tokens create'],
    [['acount', 'get'], 'accounts get'],
    [['accounts', 'creat'], 'accounts create'],
    [['servce', 'lst'], 'service list'],
    [['infrastructure', 'lst'], 'infra list'],
    [['admin-key-creat'], 'admin-key create'],
    [['grops'], 'groups'],
  ])('%j suggests %s first', (words, nearest) => {
    expect(nearestCommands(words, commandIds, topics)[0]).toBe(nearest)
  })

  it('suggests nothing for words far from every command, and at most three', () => {
    expect(nearestCommands(['frobnicate'], commandIds, topics)).toEqual([])
    expect(nearestCommands(['tokens', 'xyzzy'], commandIds, topics)).toEqual([])
    expect(nearestCommands(['accounts', 'creat'], commandIds, topics)).not.toContain('accounts')
    expect(nearestCommands(['s'], commandIds, topics).length).toBeLessThanOrEqual(3)
  })

  it('puts the suggestions in the usage error’s hint', () => {
    const error = unknownCommandError(['tokn', 'create', '--json'], commandIds, topics, 'accessctl')
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe("unknown command: 'tokn create'")
    expect(error.hint).toMatch(/^Did you mean 'accessctl tokens create'/)
  })
})

describe('words that are Object.prototype members', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('%s stays the word it is', (word) => {
    expect(canonicalArgv([word, 'x'])).toEqual([word, 'x'])
  })
})

describe('global flags before the command words (withLeadingGlobalFlagsMoved)', () => {
  it.each([
    [['--context', 'prod', 'service', 'list'], ['service', 'list', '--context', 'prod']],
    [['--store', 's.db', '--context=prod', 'service', 'get', 'churn', '-o', 'name'], ['service', 'get', 'churn', '--store', 's.db', '--context=prod', '-o', 'name']],
    [['--token', 'T', 'tokens', 'check', '--', '-x'], ['tokens', 'check', '--token', 'T', '--', '-x']],
    [['--context', 'prod', 'help', 'accounts'], ['accounts', '--context', 'prod', '--help']],
    [['--admin-key', 'K', 'services', 'list'], ['service', 'list', '--admin-key', 'K']],
  ])('%j is read as %j', (typed, canonical) => {
    expect(canonicalArgv(typed)).toEqual(canonical)
  })

  it.each([
    [['--context']],
    [['--json', '--context', 'prod', 'service', 'list']],
    [['service', 'list', '--context', 'prod']],
    [['--verbose', 'service', 'list']],
  ])('leaves %j as typed', (typed) => {
    expect(withLeadingGlobalFlagsMoved(typed)).toEqual(typed)
  })
})
