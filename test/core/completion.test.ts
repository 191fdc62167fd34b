import {spawnSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {type CommandTree, completionFor, completionText, isOfferable, MAX_CANDIDATES, prefixGlob} from '../../src/core/completion.js'
import {completionScript} from '../../src/core/completion-scripts.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: CommandTree['commands']}
const pjson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {oclif: {topics: CommandTree['topics']}}
const tree: CommandTree = {commands: manifest.commands, topics: pjson.oclif.topics}
const values = (words: string[], current: string) => {
  const {completion} = completionFor(tree, words, current)
  return completion.kind === 'words' ? completion.candidates.map((candidate) => candidate.value) : completion
}

describe('completionFor', () => {
  it.each([
    {words: [], current: 'au', expected: ['audit', 'auth', 'autocomplete']},
    {words: ['tokens'], current: 'k', expected: ['keys']},
    {words: ['autocomplete'], current: '', expected: ['script', 'bash', 'zsh']},
    {words: ['infra', 'create', 'qa'], current: '--st', expected: ['--stage', '--store']},
    {words: ['service', 'permissions', 'set', 'churn', '-g', 'devops', '--read'], current: '--re', expected: []},
    {words: ['service', 'permissions', 'set', 'churn', '-g', 'devops', '--read'], current: '--wr', expected: ['--write']},
    {words: ['infra', 'create', 'qa', '--stage'], current: '', expected: ['Development', 'Test', 'Production']},
    {words: ['infra', 'create', 'qa', '--stage', '='], current: 'D', expected: ['Development']},
    {words: ['infra', 'create', 'qa'], current: '--stage=p', expected: ['--stage=Production']},
    {words: ['accounts', 'list', '--sort'], current: '', expected: ['name', 'id', 'created']},
    {words: ['tokens', 'create', '--role'], current: 'a', expected: ['Admin', 'AuditDeveloper']},
    {words: ['audit', 'list', '--outcome'], current: '', expected: ['ok', 'denied']},
    {words: ['export', '--kind'], current: 'in', expected: ['infrastructures']},
    // A comma list: the item after the last comma, the items before it kept, none offered twice.
    {words: ['tokens', 'create', '-i', 'a', '-r'], current: 'datasets,mo', expected: ['datasets,models', 'datasets,modules']},
    {words: ['tokens', 'create', '-i', 'a', '-r'], current: 'models,datasets,mode', expected: []},
    {words: ['tokens', 'create', '-i', 'a'], current: '--resource=datasets,mode', expected: ['--resource=datasets,models']},
    {words: ['tokens', 'create', '-i', 'a', '-f'], current: 'consume,', expected: expect.not.arrayContaining(['consume,consume'])},
    // Not a list: a comma is part of the value.
    {words: ['infra', 'create', 'qa', '--stage'], current: 'Test,P', expected: []},
    // can-i's and who-can's question: the action, then the target's kind, then the ids after its slash.
    {words: ['auth', 'can-i'], current: 're', expected: ['read']},
    {words: ['auth', 'who-can'], current: '', expected: ['create', 'read', 'write', 'deploy', 'administer']},
    {words: ['auth', 'can-i', 'read'], current: '', expected: ['service/', 'infra/', 'deployment/']},
    {words: ['auth', 'can-i', 'create'], current: 's', expected: ['service/', 'service']},
    {words: ['auth', 'who-can', 'deploy'], current: 'inf', expected: ['infra/']},
    {words: ['auth', 'can-i', 'read', 'service/x'], current: '', expected: {kind: 'none'}},
  ])('$words + $current', ({words, current, expected}) => {
    const found = values(words, current)
    expect(Array.isArray(found) ? [...found].sort() : found).toEqual(Array.isArray(expected) ? [...expected].sort() : expected)
  })

  it.each([
    {words: ['service', 'get'], current: 'ch', of: 'service'},
    {words: ['service', 'versions', 'add'], current: '', of: 'service'},
    {words: ['deployment', 'create', '--infra'], current: '', of: 'infrastructure'},
    {words: ['deployment', 'create', '-I'], current: 'p', of: 'infrastructure'},
    {words: ['deployment', 'enable'], current: '', of: 'deployment'},
    {words: ['groups', 'add-member', 'devops', '-i'], current: '', of: 'account'},
    {words: ['groups', 'add-member'], current: 'd', of: 'group'},
    {words: ['accounts', 'create', '-n', 'a', '-g'], current: '', of: 'group'},
    {words: ['service', 'permissions', 'set', 'churn', '-g'], current: '', of: 'group'},
    {words: ['auth', 'can-i', 'read', 'service/x', '--as'], current: '', of: 'account'},
  ])('names: $words + $current → $of', ({words, current, of}) => {
    expect(completionFor(tree, words, current).completion).toMatchObject({kind: 'names', of, prefix: current})
  })

  it.each([
    {words: ['auth', 'can-i', 'read'], current: 'service/ch', of: 'service', prefix: 'ch', before: 'service/'},
    {words: ['auth', 'who-can', 'administer'], current: 'infras/', of: 'infrastructure', prefix: '', before: 'infras/'},
    {words: ['auth', 'can-i', '--as', 'bob', 'read'], current: 'deployment/x', of: 'deployment', prefix: 'x', before: 'deployment/'},
    {words: ['tokens', 'create', '-i', 'a', '--account'], current: 'alice,b', of: 'account', prefix: 'b', before: 'alice,'},
    {words: ['groups', 'add-member', 'devops', '-i'], current: 'alice@example.com,', of: 'account', prefix: '', before: 'alice@example.com,'},
  ])('names after a slash or a comma: $words + $current', ({words, current, of, prefix, before}) => {
    expect(completionFor(tree, words, current).completion).toMatchObject({kind: 'names', of, prefix, before})
  })

  it('offers nothing after a slash that follows no kind', () => {
    expect(completionFor(tree, ['auth', 'can-i', 'read'], 'group/x').completion).toEqual({kind: 'none'})
  })

  it('asks for files, and nothing for a new object’s name or a free value', () => {
    expect(completionFor(tree, ['apply', '-f'], '').completion).toEqual({kind: 'files'})
    expect(completionFor(tree, ['apply', '--file'], 'do').completion).toEqual({kind: 'files'})
    expect(completionFor(tree, ['test', '--junit'], '').completion).toEqual({kind: 'files'})
    expect(completionFor(tree, ['service', 'create'], '').completion).toEqual({kind: 'none'})
    expect(completionFor(tree, ['infra', 'create'], '').completion).toEqual({kind: 'none'})
    expect(completionFor(tree, ['tokens', 'create', '--ttl'], '').completion).toEqual({kind: 'none'})
    // After a value-taking flag, its value; after `--`, arguments only.
    expect(completionFor(tree, ['service', 'get', '--'], '--st').completion).toEqual({kind: 'names', of: 'service', prefix: '--st', namesOnly: true, before: ''})
  })

  it('reads the store and credential typed on the line, in every spelling', () => {
    expect(completionFor(tree, ['service', 'get', '--store', 'a.db', '--token=T'], '').flags).toEqual({store: 'a.db', token: 'T'})
    expect(completionFor(tree, ['service', 'get', '--admin-key', '=', 'K'], '').flags).toEqual({'admin-key': 'K'})
  })

  it('offers nothing for words that name no command, and nothing hidden', () => {
    expect(values(['nope'], '')).toEqual({kind: 'none'})
    expect(values([], '__')).toEqual([])
  })

  it('does not walk a pasted flood of words', () => {
    const long = Array.from({length: 100_000}, () => '-x')
    const started = performance.now()
    expect(completionFor(tree, ['service', 'get', ...long], '--st').completion).toEqual({kind: 'none'})
    expect(completionFor(tree, ['service', 'get'], 'x'.repeat(1_000_000)).completion).toMatchObject({kind: 'names'})
    expect(performance.now() - started).toBeLessThan(500)
  })
})

describe('what is printed', () => {
  it('leaves out names a shell could not take as typed text, and caps the count', () => {
    expect(['churn', "x$(rm -rf ~) 'y'", 'a b', 'ü'].every(isOfferable)).toBe(true)
    expect(['', 'a\nb', 'a\tb', 'a\u001B[31m', 'a\u200Bb', 'x'.repeat(301)].some(isOfferable)).toBe(false)
    const many = Array.from({length: MAX_CANDIDATES + 500}, (_, index) => ({value: `s${index}`}))
    const text = completionText({kind: 'words', candidates: [{value: 'bad\nline'}, ...many]}, false)
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toBe(':words')
    expect(lines).toHaveLength(MAX_CANDIDATES + 1)
    expect(lines).not.toContain('bad')
    // Descriptions are escaped, and only zsh gets them.
    expect(completionText({kind: 'words', candidates: [{value: 'qa', description: 'Te\u001Bst'}]}, true)).toBe(':words\nqa\tTe\\x1bst\n')
    expect(completionText({kind: 'words', candidates: [{value: 'qa', description: 'Test'}]}, false)).toBe(':words\nqa\n')
  })

  it('matches a typed prefix literally in a glob', () => {
    expect(prefixGlob('a*b?[c')).toBe('a[*]b[?][[]c*')
  })
})

describe('the scripts', () => {
  it.each(['bash', 'zsh'] as const)('%s parses the %s script, which evaluates nothing it is given', (shell) => {
    const script = completionScript(shell, 'accessctl')
    expect(script).not.toMatch(/\beval\b(?! "\$\(accessctl autocomplete script)/)
    const check = spawnSync(shell, ['-n'], {input: script})
    if (check.error && !process.env.CI) return
    expect(check.status, String(check.stderr)).toBe(0)
  })

  it('refuses a program name that is no plain command name', () => {
    expect(() => completionScript('bash', 'a;b')).toThrow(/cannot write a completion script/)
  })
})
