import {describe, expect, it} from 'vitest'

import {accountNameKey, preview, validateAccountId, validateAccountName, validateGroupName, validateNewGroupName} from '../../src/core/names.js'
import {UsageError} from '../../src/errors.js'

describe('validateAccountName', () => {
  it.each([
    ['alice@example.com'],
    ["Robert'); DROP TABLE accounts;--"],
    ['名前'],
    ['x'.repeat(254)],
    ['🙂'.repeat(254)],
    ['Ana María Pérez'],
    ['иван@example.com'],
    ['Ελένη'],
    ['山田タロウ'],
    ['田中ken'],
    ['김민준'],
    ['o\'brien+test@sub.example.co.uk'],
    ['x.'],
    // The seed's example name, with the no-break space of an e-mail obfuscator: a space to the key.
    ['[email\u00a0protected]'],
    ['alice\u3000smith'],
  ])('accepts %j as it is', (name) => {
    expect(validateAccountName(name)).toBe(name)
  })

  it('stores a name in NFC: a decomposed é becomes the composed one', () => {
    expect(validateAccountName('jose\u0301@example.com')).toBe('jos\u00e9@example.com')
  })

  it.each([[''], ['x'.repeat(255)], ['🙂'.repeat(255)]])('rejects %j', (name) => {
    expect(() => validateAccountName(name)).toThrow(UsageError)
  })

  // Issue 17.7: each of these was an account of its own beside alice@example.com, and some printed the same.
  it.each([
    ['a zero-width space', 'alice\u200b@example.com', /cannot hold U\+200B/],
    ['a left-to-right mark', 'alice@example.com\u200e', /cannot hold U\+200E/],
    ['a right-to-left override', '\u202ealice@example.com', /cannot hold U\+202E/],
    ['a zero-width joiner', 'al\u200dice@example.com', /cannot hold U\+200D/],
    ['a word joiner', 'alice\u2060@example.com', /cannot hold U\+2060/],
    ['a byte order mark', '\ufeffalice@example.com', /cannot hold U\+FEFF/],
    ['a soft hyphen', 'ali\u00adce@example.com', /cannot hold U\+00AD/],
    ['a variation selector', 'alice\ufe0f@example.com', /cannot hold U\+FE0F/],
    ['a supplementary variation selector', 'alice\u{e0100}@example.com', /cannot hold U\+E0100/],
    ['a Hangul filler', '\u3164', /cannot hold U\+3164/],
    ['the blank braille pattern', 'alice\u2800', /cannot hold U\+2800/],
    ['an Ogham space mark (a space NFKC keeps)', 'alice\u1680smith', /cannot hold U\+1680/],
    ['a leading no-break space', '\u00a0alice', /cannot begin or end with a space/],
    ['a no-break space beside a space', 'alice \u00a0smith', /two spaces in a row/],
    ['a tab', 'alice\tsmith', /cannot hold U\+0009/],
    ['a newline', 'alice\nsmith', /cannot hold U\+000A/],
    ['an escape sequence', '\u001b[2J', /cannot hold U\+001B/],
    ['a line separator', 'alice\u2028', /cannot hold U\+2028/],
    ['a private-use character', 'alice\ue000', /cannot hold U\+E000/],
    ['a lone surrogate', 'alice\ud800', /cannot hold U\+D800/],
    ['a leading space', ' alice', /cannot begin or end with a space/],
    ['a trailing space', 'alice ', /cannot begin or end with a space/],
    ['two spaces in a row', 'alice  smith', /two spaces in a row/],
    ['a combining mark after punctuation', 'alice@\u0301example.com', /combining mark \(U\+0301\)/],
    ['a combining mark first', '\u0308alice', /combining mark/],
    ['a Cyrillic а among Latin letters', '\u0430lice@example.com', /cannot mix Cyrillic and Latin letters in one part \('аlice'\)/],
    ['a Greek ο among Latin letters', 'b\u03bfb@example.com', /cannot mix Latin and Greek letters/],
    ['a Latin o among Cyrillic letters', 'иoан', /cannot mix Cyrillic and Latin letters/],
    ['a trailing dot after the domain', 'alice@example.com.', /domain of an account name cannot end with a dot/],
  ])('refuses a name with %s', (_what, name, message) => {
    expect(() => validateAccountName(name)).toThrow(UsageError)
    expect(() => validateAccountName(name)).toThrow(message)
  })

  it('quotes a refused name escaped, so the message shows what is there', () => {
    expect(() => validateAccountName('alice\u200b@example.com')).toThrow("'alice\\u200b@example.com'")
  })

  // Item 4 of issue 17: `accounts create -n acdk_...` was stored and listed.
  it.each([
    ['acdk_' + 'A1b2C3d4E5f6G7h8'],
    ['acak_' + 'x'.repeat(43)],
    ['acsk-ABCDEFGH12'],
    ['eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln'],
    ['token eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0 for bob'],
  ])('refuses a name that looks like a key or a token, without repeating it', (name) => {
    expect(() => validateAccountName(name)).toThrow('an account name cannot be a key or a token: it would be stored and listed in clear')
  })
})

describe('accountNameKey: names that differ only in case or look-alike forms collide', () => {
  it.each([
    ['Alice@example.com'],
    ['ALICE@EXAMPLE.COM'],
    ['\uff41lice@example.com'],
    ['ａｌｉｃｅ＠ｅｘａｍｐｌｅ．ｃｏｍ'],
    ['Alice@Example.Com'],
  ])('%s has the key of alice@example.com', (name) => {
    expect(accountNameKey(name)).toBe(accountNameKey('alice@example.com'))
  })

  it('folds case fully and maps compatibility forms', () => {
    expect(accountNameKey('STRASSE')).toBe(accountNameKey('straße'))
    expect(accountNameKey('ﬁona')).toBe(accountNameKey('fiona'))
    expect(accountNameKey('\u212aelvin')).toBe(accountNameKey('kelvin'))
    expect(accountNameKey('ΟΔΟΣ')).toBe(accountNameKey('οδος'))
    expect(accountNameKey('jose\u0301')).toBe(accountNameKey('jos\u00e9'))
    expect(accountNameKey('alice\u00a0smith')).toBe(accountNameKey('alice smith'))
    expect(accountNameKey('alice\u3000smith')).toBe(accountNameKey('Alice Smith'))
  })

  it('keeps different names apart', () => {
    expect(accountNameKey('alice')).not.toBe(accountNameKey('alicia'))
    expect(accountNameKey('resume')).not.toBe(accountNameKey('résumé'))
    // A whole-script look-alike is not caught by the key: that would need Unicode's confusables table.
    expect(accountNameKey('\u0430\u0441\u0435')).not.toBe(accountNameKey('ace'))
  })
})

describe('escaped output of names already stored', () => {
  it('shows the invisible characters of a stored name, so two names never print the same', () => {
    expect(preview('alice\u200b@example.com')).toBe('alice\\u200b@example.com')
    expect(preview('alice@example.com\u200e')).toBe('alice@example.com\\u200e')
    expect(preview('alice\u{e0100}')).toBe('alice\\u{e0100}')
    expect(preview('\u3164')).toBe('\\u3164')
    expect(preview('Ana María 山田 🙂')).toBe('Ana María 山田 🙂')
  })
})

describe('validateGroupName', () => {
  it.each(['devops', 'data-scientists', 'a', '0x', 'team.one_two', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(validateGroupName(name)).toBe(name)
  })

  it.each(['', 'Devops', '-x', '.x', 'a b', 'a'.repeat(64), 'x;drop'])('rejects %j', (name) => {
    expect(() => validateGroupName(name)).toThrow(UsageError)
  })

  it('a new group may not be named like a key, and the message does not repeat it', () => {
    expect(() => validateNewGroupName('acdk_abcdefgh12')).toThrow('a group name cannot be a key or a token: it would be stored and listed in clear')
    expect(validateGroupName('acdk_abcdefgh12')).toBe('acdk_abcdefgh12')
    expect(validateNewGroupName('devops')).toBe('devops')
  })
})

describe('validateAccountId', () => {
  it('accepts 32 lowercase hex and rejects anything else', () => {
    expect(validateAccountId('3076c505c36b46bdad1cf1abefaeb580')).toBe('3076c505c36b46bdad1cf1abefaeb580')
    expect(() => validateAccountId('3076C505C36B46BDAD1CF1ABEFAEB580')).toThrow(UsageError)
    expect(() => validateAccountId('3076c505-c36b-46bd-ad1c-f1abefaeb580')).toThrow(UsageError)
  })
})

describe('preview', () => {
  it('shortens long input and escapes control characters', () => {
    expect(preview('x'.repeat(100), 10)).toBe(`${'x'.repeat(10)}…`)
    expect(preview('a\u001b[31mb\n')).toBe('a\\x1b[31mb\\x0a')
  })
})
