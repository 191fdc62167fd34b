import fc from 'fast-check'
import {FAILSAFE_SCHEMA, load as loadYaml} from 'js-yaml'
import {stringify} from 'yaml'
import {describe, expect, it} from 'vitest'

import {parseTokenConfig} from '../../src/core/token-config.js'
import {FUNCTIONS, RESOURCES} from '../../src/core/grants.js'
import {parseJsonl, parseYamlList} from '../../src/core/import-format.js'
import {accountNameProblem} from '../../src/core/names.js'
import {escapeControl, escapeControlKeepingNewlines} from '../../src/core/text.js'
import {parseTtl} from '../../src/core/ttl.js'
import {UsageError} from '../../src/errors.js'

/** Text made mostly of the characters that break naive output and parsers: controls, separators, bidi marks. */
const controlish = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\n', '\r', '\t', '\u0000', '\u001B', '\u007F', '\u0085', '\u009B', '\u2028', '\u2029', '\u202E', '\u2066', '\u200F', '\uFEFF', '-', ':', '#', '"', "'", ' '),
    // Invisible ones: zero-width space, no-break and ideographic spaces, a variation selector (and a supplementary
    // one), a Hangul filler, the blank braille pattern, a soft hyphen.
    fc.constantFrom('\u200B', '\u00A0', '\u3000', '\uFE0F', '\u{E0100}', '\u3164', '\u2800', '\u00AD'),
    fc.string({unit: 'grapheme', minLength: 1, maxLength: 1}),
  ),
  maxLength: 60,
})
/** What must never be printed raw: controls, format characters, separators, invisible characters. */
const RAW_CONTROL = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u

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

  it('the ttl parser takes huge numbers: a safe whole number of seconds up to 100 years, or exit 2 naming the flag', () => {
    const huge = fc.tuple(fc.oneof(fc.bigInt({min: 0n, max: 10n ** 30n}).map(String), fc.constantFrom('9223372036854775807', '1e400', '-1', '0')), fc.constantFrom('s', 'm', 'h', 'd', 'w', ''))
    fc.assert(
      fc.property(huge, fc.constantFrom('--ttl', '--since'), ([digits, unit], flag) => {
        try {
          const seconds = parseTtl(`${digits}${unit}`, flag)
          expect(Number.isSafeInteger(seconds)).toBe(true)
          expect(seconds).toBeGreaterThan(0)
          expect(seconds).toBeLessThanOrEqual(100 * 365 * 86_400)
        } catch (error) {
          expect(error).toBeInstanceOf(UsageError)
          expect((error as Error).message.startsWith(flag)).toBe(true)
        }
      }),
      {numRuns: 2000},
    )
  })

  it('the ttl parser has one cap for every unit: n units are accepted exactly when n * unit seconds are, and "too long" reads the same', () => {
    const unitSeconds = {s: 1, m: 60, h: 3600, d: 86_400, w: 604_800} as const
    const cap = 100 * 365 * 86_400
    const unit = fc.constantFrom(...(Object.keys(unitSeconds) as Array<keyof typeof unitSeconds>))
    // Around each unit's maximum, and anywhere up to far past it.
    const count = fc.oneof(fc.integer({min: -3, max: 3}).map((delta) => ({delta})), fc.bigInt({min: 1n, max: 10n ** 25n}).map((n) => ({n})))
    fc.assert(
      fc.property(unit, count, fc.nat({max: 3}), (u, c, zeros) => {
        const n = 'n' in c ? c.n : BigInt(Math.floor(cap / unitSeconds[u]) + c.delta)
        if (n <= 0n) return
        const text = `${'0'.repeat(zeros)}${n}${u}`
        const seconds = n * BigInt(unitSeconds[u])
        const inSeconds = `${seconds}s`
        if (seconds <= BigInt(cap)) {
          expect(parseTtl(text)).toBe(Number(seconds))
          expect(parseTtl(inSeconds)).toBe(Number(seconds))
        } else {
          expect(() => parseTtl(text)).toThrow(`--ttl '${text}' is too long: at most 100 years (3153600000s, 36500d)`)
          expect(() => parseTtl(inSeconds)).toThrow(`--ttl '${inSeconds}' is too long: at most 100 years (3153600000s, 36500d)`)
        }
      }),
      {numRuns: 3000},
    )
  })

  it('the ttl parser refuses any white space around a duration it would otherwise take', () => {
    const space = fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\ufeff')
    const valid = fc.tuple(fc.integer({min: 1, max: 5214}), fc.constantFrom('s', 'm', 'h', 'd', 'w')).map(([n, u]) => `${n}${u}`)
    fc.assert(
      fc.property(valid, space, fc.constantFrom('before', 'after', 'both'), (text, ws, where) => {
        expect(parseTtl(text)).toBeGreaterThan(0)
        const padded = where === 'before' ? ws + text : where === 'after' ? text + ws : ws + text + ws
        expect(() => parseTtl(padded)).toThrow(/is not a duration/)
      }),
      {numRuns: 500},
    )
  })

  it('the import parsers take control characters, byte order marks and duplicate keys, and say why (exit 2)', () => {
    const entry = fc.oneof(controlish, fc.record({name: controlish, groups: fc.array(controlish, {maxLength: 3})}, {requiredKeys: []}))
    fc.assert(
      fc.property(fc.array(entry, {maxLength: 5}), fc.boolean(), (entries, bom) => {
        const prefix = bom ? '\uFEFF' : ''
        onlyUsageErrors(() => parseYamlList(prefix + stringify(entries)))
        onlyUsageErrors(() => parseJsonl(prefix + entries.map((e) => JSON.stringify(e)).join('\n')))
        onlyUsageErrors(() => parseJsonl(prefix + entries.map((e) => `{"name":${JSON.stringify(e)},"name":"x"}`).join('\n')))
      }),
      {numRuns: 1000},
    )
  })

  it('a YAML list read entry by entry gives what the whole document gives, lines included, with or without a BOM', () => {
    const anyName = fc.oneof(controlish, fc.string({maxLength: 30})).filter((n) => n.length > 0)
    // Names a new account may take, YAML-hostile ones among them: half the documents hold only those.
    const validName = fc
      .oneof(fc.stringMatching(/^[-a-zA-Z0-9@.:#"' _%]{1,30}$/), fc.string({unit: 'grapheme', minLength: 1, maxLength: 10}))
      .filter((n) => accountNameProblem(n) === undefined)
    const entryOf = (name: fc.Arbitrary<string>) =>
      fc.oneof(name, fc.record({name, groups: fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/), {maxLength: 3})}))
    const entries = fc.oneof(fc.array(entryOf(anyName), {minLength: 1, maxLength: 40}), fc.array(entryOf(validName), {minLength: 1, maxLength: 40}))
    fc.assert(
      fc.property(entries, fc.boolean(), fc.constantFrom('\n', '\r\n'), (entries, bom, newline) => {
        const text = (bom ? '\uFEFF' : '') + stringify(entries, {lineWidth: 20}).replaceAll('\n', newline)
        // The same parser (js-yaml) over the whole document: cutting it into entries changes nothing.
        const whole = loadYaml(text.replace(/^\uFEFF/, ''), {schema: FAILSAFE_SCHEMA}) as Array<string | {name: string; groups: string[]}>
        const names = whole.map((e) => (typeof e === 'string' ? e : e.name))
        const starts = text.split(/\r?\n/).flatMap((line, index) => (line.replace(/^\uFEFF/, '').startsWith('-') ? [index + 1] : []))
        // A name no new account may take (src/core/names.ts) is refused at the line of its entry.
        const invalid = names.findIndex((n) => accountNameProblem(n) !== undefined)
        if (invalid !== -1) {
          expect(() => parseYamlList(text)).toThrow(new RegExp(`^line ${starts[invalid]}: `))
          return
        }

        const records = parseYamlList(text)
        expect(records.map((r) => r.name)).toEqual(names.map((n) => n.normalize('NFC')))
        expect(records.map((r) => r.groups)).toEqual(whole.map((e) => (typeof e === 'string' ? [] : e.groups)))
        expect(records.map((r) => r.line)).toEqual(starts)
      }),
      {numRuns: 500},
    )
  })

  it('escaping leaves no control character, separator or bidi mark, keeps other text, and keeps newlines only when asked', () => {
    fc.assert(
      fc.property(controlish, (text) => {
        const escaped = escapeControl(text)
        expect(escaped).not.toMatch(RAW_CONTROL)
        expect(escaped.split('\n')).toHaveLength(1)
        expect(escapeControlKeepingNewlines(text).split('\n')).toHaveLength(text.split('\n').length)
        expect(escapeControlKeepingNewlines(text).replaceAll('\n', '')).not.toMatch(RAW_CONTROL)
        // Nothing but unsafe characters changes.
        const safe = text.replaceAll(new RegExp(RAW_CONTROL.source, 'gu'), '')
        expect(escapeControl(safe)).toBe(safe)
      }),
      {numRuns: 2000},
    )
  })
})
