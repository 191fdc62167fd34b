import fc from 'fast-check'
import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'

import {parseTokenConfig} from '../../src/core/token-config.js'
import {FUNCTIONS, RESOURCES} from '../../src/core/grants.js'
import {parseJsonl, parseYamlList} from '../../src/core/import-format.js'
import {parseTtl} from '../../src/core/ttl.js'
import {UsageError} from '../../src/errors.js'

/** A parser either returns or throws a UsageError (exit 2): never a TypeError, a RangeError or a hang. */
function onlyUsageErrors(parse: () => unknown): void {
  try {
    parse()
  } catch (error) {
    expect(error, String((error as Error)?.stack)).toBeInstanceOf(UsageError)
  }
}

const yamlish = fc.oneof(
  fc.string({maxLength: 200}),
  fc.string({unit: 'binary', maxLength: 200}),
  fc.stringMatching(/^[-:\s[\]{}"'a-z0-9#&*!|>%@`]{0,120}$/),
  fc.jsonValue({maxDepth: 4}).map((value) => stringify(value)),
  fc.jsonValue({maxDepth: 4}).map((value) => JSON.stringify(value)),
)

const grantish = fc.record(
  {
    resources: fc.array(fc.oneof(fc.constantFrom(...RESOURCES, '*'), fc.string({maxLength: 12})), {maxLength: 3}),
    functions: fc.array(fc.oneof(fc.constantFrom(...FUNCTIONS, '*'), fc.string({maxLength: 12})), {maxLength: 3}),
    accounts: fc.array(fc.string({maxLength: 40}), {maxLength: 3}),
    entities: fc.oneof(fc.array(fc.string({maxLength: 20}), {maxLength: 2}), fc.integer(), fc.constant(null)),
    extra: fc.anything({maxDepth: 2}),
  },
  {requiredKeys: []},
)

describe('parsers under hostile input', () => {
  it('the token policy parser takes any text and either parses or says why (exit 2)', () => {
    fc.assert(fc.property(yamlish, (text) => onlyUsageErrors(() => parseTokenConfig(text, 'stdin'))), {numRuns: 1500})
  })

  it('the token policy parser takes policy-shaped documents with wrong types and unknown names', () => {
    const policy = fc.record({account: fc.oneof(fc.string({maxLength: 40}), fc.integer()), grants: fc.oneof(fc.array(grantish, {maxLength: 3}), fc.string())}, {requiredKeys: []})
    fc.assert(fc.property(policy, (doc) => onlyUsageErrors(() => parseTokenConfig(stringify(doc), 'policy.yaml'))), {numRuns: 1500})
  })

  it('a valid policy always parses to the same grants', () => {
    const valid = fc.record({
      resources: fc.uniqueArray(fc.constantFrom(...RESOURCES), {minLength: 1, maxLength: 3}),
      functions: fc.uniqueArray(fc.constantFrom(...FUNCTIONS), {minLength: 1, maxLength: 3}),
      accounts: fc.uniqueArray(fc.constantFrom('public', 'test', '*'), {minLength: 1, maxLength: 2}),
    })
    fc.assert(
      fc.property(fc.array(valid, {minLength: 1, maxLength: 3}), (grants) => {
        const config = parseTokenConfig(stringify({account: 'aeb78193c526484fa4f5c14d182ba039', grants}), 'policy.yaml')
        expect(config.grants.map((g) => [g.resources, g.functions, g.accounts])).toEqual(grants.map((g) => [g.resources, g.functions, g.accounts]))
      }),
      {numRuns: 300},
    )
  })

  it('the import parsers take any text and either parse or say why', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        onlyUsageErrors(() => parseYamlList(text))
        onlyUsageErrors(() => parseJsonl(text))
      }),
      {numRuns: 1500},
    )
  })

  it('the ttl parser takes any text', () => {
    fc.assert(fc.property(fc.string({maxLength: 30}), (text) => onlyUsageErrors(() => parseTtl(text))), {numRuns: 2000})
  })
})
