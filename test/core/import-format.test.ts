import {describe, expect, it} from 'vitest'

import {detectFormat, firstDuplicateKey, parseJsonl, parseYamlList} from '../../src/core/import-format.js'
import {UsageError} from '../../src/errors.js'

describe('parseYamlList', () => {
  it('reads names and {name, groups} entries, each with the line it starts on', () => {
    const records = parseYamlList('- alice\n- name: bob\n  groups: [devops, ops]\n- name: "carol"\n')
    expect(records).toEqual([
      {line: 1, name: 'alice', groups: []},
      {line: 2, name: 'bob', groups: ['devops', 'ops']},
      {line: 4, name: 'carol', groups: []},
    ])
  })

  it('keeps every scalar a string: names that look like numbers, dates or booleans stay names', () => {
    const records = parseYamlList('- 0123\n- 2026-01-01\n- name: true\n- name: 1e3\n')
    expect(records.map((r) => r.name)).toEqual(['0123', '2026-01-01', 'true', '1e3'])
  })

  it('reads a list after comments and a document start, an indented list, and a flow-style list', () => {
    expect(parseYamlList('# accounts\n---\n\n- a\n# between\n- b\n').map((r) => [r.line, r.name])).toEqual([[4, 'a'], [6, 'b']])
    expect(parseYamlList('  - a\n  - name: b\n    groups: [x]\n').map((r) => [r.line, r.name])).toEqual([[1, 'a'], [2, 'b']])
    expect(parseYamlList('[a, {name: b}]\n').map((r) => r.name)).toEqual(['a', 'b'])
  })

  it('reads thousands of entries across batches with the right lines, and names the line of a problem far in', () => {
    const text = Array.from({length: 3000}, (_, i) => `- name: user${i}\n  groups: [g]`).join('\n')
    const records = parseYamlList(text)
    expect(records).toHaveLength(3000)
    expect(records[2999]).toEqual({line: 5999, name: 'user2999', groups: ['g']})
    const broken = `${text}\n- name: [oops\n`
    expect(() => parseYamlList(broken)).toThrow(/YAML error at line 600[12], column \d+/)
  })

  it('merges a group named twice in one entry (it was a UNIQUE constraint crash)', () => {
    expect(parseYamlList('- name: bob\n  groups: [devops, devops, ops, devops]\n')[0].groups).toEqual(['devops', 'ops'])
  })

  it('accepts a byte order mark, as JSON Lines does', () => {
    expect(parseYamlList('\uFEFF- alice\n').map((r) => r.name)).toEqual(['alice'])
  })

  it.each([
    ['a syntax error, with line and column', '- alice\n- name: [unclosed\n', /YAML error at line \d+, column \d+/],
    ['a mapping at the top', 'name: alice\n', /line 1: the file must be a YAML list/],
    ['an unknown key', '- alice\n- name: bob\n  role: admin\n', /line 2: unknown key 'role'/],
    ['a list as name', '- name: [a, b]\n', /line 1: 'name' must be a string/],
    ['groups not a list', '- name: a\n  groups: devops\n', /line 1: 'groups' must be a list/],
    ['an empty name', '- alice\n- ""\n', /line 2: an account name cannot be empty/],
    ['a nested list', '- [a, b]\n', /line 1: each entry must be/],
    ['a duplicate key', '- name: a\n  name: b\n', /YAML error at line 2/],
    ['an anchor and alias', '- name: a\n  groups: &g [x]\n- name: b\n  groups: *g\n', /line 2: anchors and aliases/],
    ['an alias in a flow list', '[&a x, *a]\n', /line 1: anchors and aliases/],
    ['a second document', '- a\n---\n- b\n', /line 2: an import is one YAML document/],
    ['an entry over the cap', `- name: ${'x'.repeat(200)}\n`, /line 1: an entry is longer than 100 characters/],
    ['a flow list over the cap', `[${'x, '.repeat(50)}]\n`, /line 1: a list written in flow style is longer than 100 characters/],
    ['a control character in a key, escaped', '- name: a\n  "\\e[2J": x\n', /unknown key '\\x1b\[2J'/],
  ])('rejects %s', (_label, text, message) => {
    expect(() => parseYamlList(text, 100)).toThrow(UsageError)
    expect(() => parseYamlList(text, 100)).toThrow(message)
  })
})

describe('parseJsonl', () => {
  it('reads one object per line, skipping blank lines, and keeps line numbers', () => {
    const records = parseJsonl('{"name":"a"}\n\n{"name":"b","groups":["x"]}\r\n')
    expect(records.map((r) => [r.line, r.name])).toEqual([[1, 'a'], [3, 'b']])
  })

  it('accepts a byte order mark at the start, as YAML does (it was refused)', () => {
    expect(parseJsonl('\uFEFF{"name":"a"}\n').map((r) => r.name)).toEqual(['a'])
  })

  it('merges a group named twice in one entry', () => {
    expect(parseJsonl('{"name":"a","groups":["x","x"]}\n')[0].groups).toEqual(['x'])
  })

  it.each([
    ['broken JSON', '{"name":"a"}\n{"name":\n', /line 2: not valid JSON/],
    ['an unknown key', '{"name":"a","admin":true}\n', /line 1: unknown key 'admin'/],
    ['a too long name', `{"name":"${'x'.repeat(255)}"}\n`, /line 1: an account name has at most 254/],
    // JSON.parse keeps the last value; YAML refuses the same record, and now JSON Lines does too.
    ['a duplicate key', '{"name":"a"}\n{"name":"b","name":"admin"}\n', /line 2: the key 'name' appears twice/],
    ['a duplicate key spelled with an escape', '{"name":"a","n\\u0061me":"b"}\n', /line 1: the key 'name' appears twice/],
  ])('rejects %s', (_label, text, message) => {
    expect(() => parseJsonl(text)).toThrow(message)
  })
})

describe('firstDuplicateKey', () => {
  it('looks only at the top-level object and reads keys as JSON does', () => {
    expect(firstDuplicateKey('{"a":1,"b":{"a":2},"c":["a","a"]}')).toBeUndefined()
    expect(firstDuplicateKey('{"a":"x\\"","a" : 2}')).toBe('a')
    expect(firstDuplicateKey('{"a":{"b":1,"b":2}}')).toBeUndefined()
  })
})

describe('detectFormat', () => {
  it('prefers the explicit choice, then the extension, then the content', () => {
    expect(detectFormat('{"name":"a"}', 'x.yaml', 'jsonl')).toBe('jsonl')
    expect(detectFormat('- a', 'accounts.jsonl')).toBe('jsonl')
    expect(detectFormat('{"name":"a"}', 'accounts.yml')).toBe('yaml')
    expect(detectFormat('  {"name":"a"}')).toBe('jsonl')
    expect(detectFormat('- a')).toBe('yaml')
  })
})
