import {describe, expect, it} from 'vitest'

import {preview, validateAccountId, validateAccountName, validateGroupName} from '../../src/core/names.js'
import {UsageError} from '../../src/errors.js'

describe('validateAccountName', () => {
  it.each([
    ['alice@example.com'],
    ["Robert'); DROP TABLE accounts;--"],
    ['名前'],
    ['x'.repeat(254)],
    ['🙂'.repeat(254)],
  ])('accepts %j as it is', (name) => {
    expect(validateAccountName(name)).toBe(name)
  })

  it.each([[''], ['x'.repeat(255)], ['🙂'.repeat(255)]])('rejects %j', (name) => {
    expect(() => validateAccountName(name)).toThrow(UsageError)
  })
})

describe('validateGroupName', () => {
  it.each(['devops', 'data-scientists', 'a', '0x', 'team.one_two', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(validateGroupName(name)).toBe(name)
  })

  it.each(['', 'Devops', '-x', '.x', 'a b', 'a'.repeat(64), 'x;drop'])('rejects %j', (name) => {
    expect(() => validateGroupName(name)).toThrow(UsageError)
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
