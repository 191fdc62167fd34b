import fc from 'fast-check'
import {load as loadJsYaml} from 'js-yaml'
import {describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {jsonText, jsonTextParts, yamlScalar} from '../../src/core/text.js'
import {yamlText} from '../../src/core/yaml-text.js'

/** Every character human output escapes, and so must never reach a terminal raw (the line break is layout's own). */
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/

/** The text stored names and labels are made of in these tests: anything, with the pieces YAML and terminals care about. */
const hostilePiece = fc.constantFrom(
  ': ', ' #', '#', '-', '- ', '*', '&', '!', '?', '|', '>', "'", '"', '`', '@', '%', ',', '[', ']', '{', '}', '~', '.', '...', '---',
  'null', 'true', 'yes', '0', '0x1F', '1e3', '.inf', ' ', '\t', '\n', '\r', '\u001B[2J', '\u0007', '\u007F', '\u0085', '\u009B31m',
  '\u00A0', '\u2028', '\u2029', '\u202E', '\u2066', '\u200F', '\uFEFF', '\uFFFE', '\uD800', '\uDC00', '😀', 'é', '\\', '\\x0a',
)
const hostileText = fc.oneof(
  fc.string({unit: 'binary', maxLength: 20}),
  fc.array(fc.oneof(hostilePiece, fc.string({maxLength: 3})), {maxLength: 6}).map((pieces) => pieces.join('')),
)

describe('yamlScalar: a field value that YAML reads back as the very string shown', () => {
  it.each([
    ['alice@example.com', 'alice@example.com'],
    ['2 hours ago', '2 hours ago'],
    ['2026-12-05T03:21:06.524Z by operator:root', '2026-12-05T03:21:06.524Z by operator:root'],
    ['everyone, devops', 'everyone, devops'],
    ['/tmp/store.db', '/tmp/store.db'],
    ['(none)', '(none)'],
    ['yes', 'yes'],
    ['ci: deploy #1', '"ci: deploy #1"'],
    ['operator (no credential): full rights', '"operator (no credential): full rights"'],
    ['-', '"-"'],
    ['- x', '"- x"'],
    ['*alias', '"*alias"'],
    ['&anchor', '"&anchor"'],
    ['!tag', '"!tag"'],
    ["'quoted", `"'quoted"`],
    ['"quoted', '"\\"quoted"'],
    ['#comment', '"#comment"'],
    ['null', '"null"'],
    ['0123', '"0123"'],
    ['12345678901234567890123456789012', '"12345678901234567890123456789012"'],
    ['1e5', '"1e5"'],
    ['', '""'],
    [' lead', '" lead"'],
    ['key:', '"key:"'],
    ['new\nline', '"new\\x0aline"'],
    ['\u001B[2Jclear', '"\\x1b[2Jclear"'],
    ['bidi\u202Eevil', '"bidi\\u202eevil"'],
    ['back\\slash', 'back\\slash'],
  ])('%j is written %s', (value, written) => {
    expect(yamlScalar(value)).toBe(written)
    expect(parseYaml(`key: ${written}`)).toEqual({key: value})
  })

  it('any text: one line, nothing raw that could drive a terminal, and read back exactly as key and as value', () => {
    fc.assert(
      fc.property(hostileText, (value) => {
        const written = yamlScalar(value)
        expect(written).not.toMatch(RAW_UNSAFE_BUT_NEWLINE)
        expect(written).not.toContain('\n')
        expect(parseYaml(`key:   ${written}\nother: x\n`)).toEqual({key: value, other: 'x'})
        expect(parseYaml(`${written}: x\n`)).toEqual({[value]: 'x'})
        // A YAML 1.1 reader (js-yaml's default schema is 1.2-like too) reads a quoted value the same way.
        if (written.startsWith('"')) expect(loadJsYaml(`key: ${written}`)).toEqual({key: value})
      }),
      {numRuns: 3000},
    )
  })
})

describe('jsonText: JSON that is safe to print and reads back exactly', () => {
  it('escapes what JSON.stringify leaves raw: DEL, C1 controls, line separators, bidirectional marks', () => {
    expect(jsonText({label: 'a\u202Eb\u009B\u2028\u007F'})).toBe('{"label":"a\\u202eb\\u009b\\u2028\\u007f"}')
    expect(jsonText({a: [1]}, 2)).toBe('{\n  "a": [\n    1\n  ]\n}')
  })

  it('any value: no raw unsafe character, and JSON.parse gives it back', () => {
    fc.assert(
      fc.property(fc.dictionary(hostileText, fc.oneof(hostileText, fc.array(hostileText, {maxLength: 3}))), (value) => {
        const text = jsonText(value, 2)
        expect(text).not.toMatch(RAW_UNSAFE_BUT_NEWLINE)
        expect(JSON.parse(text)).toEqual(value)
      }),
      {numRuns: 1000},
    )
  })
})

describe('yamlText: a YAML document that is safe to print and reads back exactly', () => {
  it('double-quotes, with escapes, the scalars a YAML library would write raw, and leaves the rest as laid out', () => {
    const text = yamlText({grants: [{resources: ['*'], entities: ['x\u202Ey', 'tab\there', 'csi\u009B31m', 'two\nlines', 'plain']}]})
    expect(text).toBe(
      'grants:\n  - resources:\n      - "*"\n    entities:\n      - "x\\u202ey"\n      - "tab\\x09here"\n      - "csi\\x9b31m"\n      - "two\\x0alines"\n      - plain\n',
    )
  })

  it('any document: no raw unsafe character, each value on its line, and YAML.parse gives it back', () => {
    const documents = fc.dictionary(hostileText, fc.oneof(hostileText, fc.array(hostileText, {maxLength: 3}), fc.dictionary(hostileText, hostileText, {maxKeys: 2})), {maxKeys: 4})
    fc.assert(
      fc.property(documents, (value) => {
        const text = yamlText(value)
        expect(text).not.toMatch(RAW_UNSAFE_BUT_NEWLINE)
        expect(parseYaml(text)).toEqual(value)
      }),
      {numRuns: 1000},
    )
  })
})

describe('jsonTextParts', () => {
  const samples: unknown[] = [
    {a: 1, b: [1, {c: [2, 3], d: {}}, [], null, undefined, () => 1], e: undefined, f: 'x\u2028y\n\u202e', g: new Date(0), h: {i: {j: [1]}}},
    [],
    {},
    5,
    'str',
    null,
    [[1, [2, [3]]]],
    {k: [], l: {}},
  ]

  it.each(samples.flatMap((sample) => [0, 1, 2, 3, 5].map((depth) => [sample, depth] as const)))('writes jsonText(%j, 2) to depth %i', (sample, depth) => {
    expect([...jsonTextParts(sample, depth)].join('')).toBe(jsonText(sample, 2))
  })

  it('writes a generator as the array of what it yields, read as it is written', () => {
    function* listed() {
      yield {x: 1}
      yield [2]
    }

    const parts = jsonTextParts({list: listed(), none: (function* () {})()})
    expect([...parts].join('')).toBe(jsonText({list: [{x: 1}, [2]], none: []}, 2))
  })
})
