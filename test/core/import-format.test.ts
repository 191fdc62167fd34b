import {describe, expect, it} from 'vitest'

import {detectFormat, parseJsonl, parseYamlList} from '../../src/core/import-format.js'
import {UsageError} from '../../src/errors.js'

describe('parseYamlList', () => {
  it('reads names and {name, groups} entries', () => {
    const source = parseYamlList('- alice\n- name: bob\n  groups: [devops, ops]\n- name: "carol"\n')
    expect(source.records).toEqual([
      {index: 0, name: 'alice', groups: []},
      {index: 1, name: 'bob', groups: ['devops', 'ops']},
      {index: 2, name: 'carol', groups: []},
    ])
    expect([0, 1, 2].map((i) => source.lineOf(i))).toEqual([1, 2, 4])
  })

  it('keeps every scalar a string: names that look like numbers, dates or booleans stay names', () => {
    const source = parseYamlList('- 0123\n- 2026-01-01\n- name: true\n- name: 1e3\n')
    expect(source.records.map((r) => r.name)).toEqual(['0123', '2026-01-01', 'true', '1e3'])
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
  ])('rejects %s', (_label, text, message) => {
    expect(() => parseYamlList(text)).toThrow(UsageError)
    expect(() => parseYamlList(text)).toThrow(message)
  })
})

describe('parseJsonl', () => {
  it('reads one object per line, skipping blank lines, and keeps line numbers', () => {
    const source = parseJsonl('{"name":"a"}\n\n{"name":"b","groups":["x"]}\n')
    expect(source.records.map((r) => r.name)).toEqual(['a', 'b'])
    expect(source.lineOf(1)).toBe(3)
  })

  it.each([
    ['broken JSON', '{"name":"a"}\n{"name":\n', /line 2: not valid JSON/],
    ['an unknown key', '{"name":"a","admin":true}\n', /line 1: unknown key 'admin'/],
    ['a too long name', `{"name":"${'x'.repeat(255)}"}\n`, /line 1: an account name has at most 254/],
  ])('rejects %s', (_label, text, message) => {
    expect(() => parseJsonl(text)).toThrow(message)
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
