import {describe, expect, it} from 'vitest'

import {currentName, deprecationNote, grantDeprecationNotes, grantFromFlags, isAllWildcard, withCurrentNames} from '../../src/core/grant-input.js'
import {parseTokenConfig} from '../../src/core/token-config.js'
import {UsageError} from '../../src/errors.js'
import {SEED_POLICY} from '../helpers/tokens.js'


describe('parseTokenConfig', () => {
  it('reads the seed YAML and the same config as JSON', () => {
    const expected = {
      account: 'aeb78193c526484fa4f5c14d182ba039',
      grants: [{resources: ['datasets', 'models'], functions: ['consume'], accounts: ['test'], entities: []}],
    }
    expect(parseTokenConfig(SEED_POLICY, 'policy.yaml')).toEqual(expected)
    expect(parseTokenConfig(JSON.stringify(expected), 'stdin')).toEqual(expected)
  })

  it('keeps an all-digit account id a string', () => {
    expect(parseTokenConfig('account: 12345678901234567890123456789012\ngrants: [{resources: [models], functions: [get]}]', 'x').account).toBe(
      '12345678901234567890123456789012',
    )
  })

  it.each([
    ['empty', '  \n', /is empty/],
    ['a YAML syntax error, with its position', 'account: x\ngrants: [\n', /at line 3, column 1/],
    ['an unknown top-level key', `${SEED_POLICY}ttl: 1h\n`, /unknown key 'ttl'/],
    ['an unknown grant key', 'grants:\n- resources: [models]\n  functions: [get]\n  acounts: [x]\n', /unknown key 'acounts' in grants\[0\]/],
    ['grants that are not a list', 'grants: models\n', /non-empty list/],
    ['a list given as a string', 'grants:\n- resources: models\n  functions: [get]\n', /grants\[0\]\.resources must be a list/],
    ['a grant without functions', 'grants:\n- resources: [models]\n', /needs at least one function/],
    ['an unknown resource', 'grants:\n- resources: [modles]\n  functions: [get]\n', /unknown resource 'modles' \(did you mean 'models'\?\)/],
    ['a scalar document', 'hello\n', /must be a mapping/],
    ['a duplicate key', 'grants: []\ngrants: []\n', /not valid YAML/],
    ['an unknown key holding control characters, quoted escaped', 'grants: []\n"\\e]0;x\\a\\n": 1\n', /^unknown key '\\x1b\]0;x\\x07\\x0a' in/],
    ['an unknown resource holding a newline, quoted escaped', 'grants:\n- resources: ["a\\nb"]\n  functions: [get]\n', /^unknown resource 'a\\x0ab'/],
  ])('refuses %s', (_label, text, message) => {
    expect(() => parseTokenConfig(text, 'stdin')).toThrow(UsageError)
    expect(() => parseTokenConfig(text, 'stdin')).toThrow(message)
  })
})

describe('grantFromFlags', () => {
  it('builds one grant, deduplicated', () => {
    expect(grantFromFlags({functions: ['consume', 'consume'], resources: ['datasets', 'models'], accounts: ['test'], entities: []})).toEqual({
      functions: ['consume'],
      resources: ['datasets', 'models'],
      accounts: ['test'],
      entities: [],
    })
  })

  it('needs both functions and resources, with known names', () => {
    expect(() => grantFromFlags({functions: ['get'], resources: [], accounts: [], entities: []})).toThrow(/give both/)
    expect(() => grantFromFlags({functions: ['fly'], resources: ['models'], accounts: [], entities: []})).toThrow(/unknown function 'fly'/)
  })

  it('knows an all-wildcard grant', () => {
    expect(isAllWildcard([{resources: ['*'], functions: ['*'], accounts: ['*'], entities: []}])).toBe(true)
    expect(isAllWildcard([{resources: ['*'], functions: ['*'], accounts: ['x'], entities: []}])).toBe(false)
  })
})

describe("Dyff's deprecated names", () => {
  it.each([
    ['function', 'download', 'data', "function 'download' is deprecated: read as 'data', its current name"],
    ['function', 'upload', 'data', "function 'upload' is deprecated: read as 'data', its current name"],
    ['function', 'strata', 'strata', "function 'strata' is deprecated and has no current name (Dyff dropped it): kept as written, it allows nothing"],
    ['resource', 'tasks', 'tasks', "resource 'tasks' is deprecated and has no current name (Dyff dropped it): kept as written, it allows nothing"],
    ['function', 'data', 'data', null],
    ['resource', 'download', 'download', null],
    ['function', 'constructor', 'constructor', null],
  ] as const)('%s %s is read as %s', (kind, name, current, note) => {
    expect(currentName(kind, name)).toBe(current)
    expect(deprecationNote(kind, name)).toBe(note)
  })

  it('flags and policies accept them; the grant keeps the old names until withCurrentNames', () => {
    const grant = grantFromFlags({functions: ['download', 'upload', 'get'], resources: ['tasks'], accounts: [], entities: []})
    expect(withCurrentNames(grant)).toEqual({functions: ['data', 'get'], resources: ['tasks'], accounts: [], entities: []})
    expect(grantDeprecationNotes([grant, grant])).toHaveLength(3)
    expect(() => parseTokenConfig('grants: [{resources: [tasks], functions: [strata]}]', 'x')).not.toThrow()
  })

  it('explicitly empty accounts or entities, with nothing in the other, is a usage error', () => {
    expect(() => parseTokenConfig('grants: [{resources: [models], functions: [get], accounts: []}]', 'x')).toThrow('empty accounts in grants[0]')
    expect(() => parseTokenConfig('grants: [{resources: [models], functions: [get], entities: []}]', 'x')).toThrow('empty entities in grants[0]')
    expect(parseTokenConfig('grants: [{resources: [models], functions: [get], accounts: [], entities: [m1]}]', 'x').grants[0].entities).toEqual(['m1'])
    expect(() => grantFromFlags({functions: ['get'], resources: ['models'], accounts: [], entities: []}, {accounts: true, entities: false})).toThrow(UsageError)
  })
})
