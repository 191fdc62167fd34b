import {describe, expect, it} from 'vitest'

import {DocumentError, MAX_DEPTH, readYamlDocument, readYamlStream} from '../../../src/core/declarative/yaml-document.js'

const refusal = (text: string): string => {
  try {
    readYamlDocument(text, 'tests.yaml')
  } catch (error) {
    expect(error).toBeInstanceOf(DocumentError)
    return (error as Error).message
  }

  throw new Error('expected the document to be refused')
}

const TESTS = `apiVersion: accessctl/v1
tests:
  - name: devops may deploy
    as: alice@example.com
    expect: [true, 0123, 2026-01-01, ~]
  - name: "quoted"
`

describe('readYamlDocument', () => {
  it('reads every scalar as the string written (failsafe)', () => {
    const {value} = readYamlDocument(TESTS, 'tests.yaml')
    expect(value).toEqual({
      apiVersion: 'accessctl/v1',
      tests: [{name: 'devops may deploy', as: 'alice@example.com', expect: ['true', '0123', '2026-01-01', '~']}, {name: 'quoted'}],
    })
    expect(readYamlDocument('{"a": [1, null]}', 'x.json').value).toEqual({a: ['1', 'null']})
    expect(readYamlDocument('', 'empty.yaml').value).toBeNull()
  })

  it.each([
    [[], {line: 1, column: 1}],
    // A mapping's entry is placed at its value: a block value starts on the line after its key.
    [['tests'], {line: 3, column: 3}],
    [['tests', 0], {line: 3, column: 5}],
    [['tests', 0, 'as'], {line: 4, column: 9}],
    [['tests', 0, 'expect', 2], {line: 5, column: 26}],
    [['tests', 1, 'name'], {line: 6, column: 11}],
    // A key that is not there: the object that lacks it.
    [['tests', 1, 'as'], {line: 6, column: 5}],
  ])('places the node at %j at its line and column', (path, position) => {
    expect(readYamlDocument(TESTS, 'tests.yaml').positionOf(path)).toEqual(position)
  })

  it.each([
    ['an anchor', 'a: &x [1]\nb: *x\n', /^line 1 of tests\.yaml: anchors and aliases/],
    ['an unresolved alias', 'a: 1\nb: *nowhere\n', /^tests\.yaml is not valid YAML at line 2, column \d+: /],
    ['an unknown tag', 'a: !custom 1\n', /^tests\.yaml is not valid YAML at line 1, column \d+: .*tag/],
    ['a tag of another schema', 'a: !!int 1\n', /^tests\.yaml is not valid YAML at line 1, column \d+: .*tag/],
    ['a syntax error', 'a: [1, 2\nb: 3\n', /^tests\.yaml is not valid YAML at line \d+, column \d+: /],
    ['a second document', 'a: 1\n---\nb: 2\n', /^line 3 of tests\.yaml: one YAML document is expected/],
    ['deep nesting', `a: ${'['.repeat(MAX_DEPTH + 5)}${']'.repeat(MAX_DEPTH + 5)}\n`, /^line 1 of tests\.yaml: nested deeper than 16 levels/],
  ])('refuses %s, saying where', (_what, text, message) => {
    expect(refusal(text)).toMatch(message)
  })

  it('accepts the failsafe tags', () => {
    expect(readYamlDocument('a: !!str 1\nb: !!seq [x]\nc: !!map {k: v}\n', 'x.yaml').value).toEqual({a: '1', b: ['x'], c: {k: 'v'}})
  })
})

describe('readYamlStream', () => {
  it('reads every document of a stream and places paths by document index', () => {
    const stream = readYamlStream('a: 1\n---\nb:\n  - c\n', 's.yaml')
    expect(stream.documents).toEqual([{a: '1'}, {b: ['c']}])
    expect(stream.positionOf([1, 'b', 0])).toEqual({line: 4, column: 5})
    expect(stream.positionOf([2])).toBeUndefined()
  })
})
