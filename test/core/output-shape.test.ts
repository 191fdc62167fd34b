import {describe, expect, it} from 'vitest'

import {jsonpathExpression, MAX_JSONPATH_CHARACTERS, parseOutputShape} from '../../src/core/output-shape.js'
import {UsageError} from '../../src/errors.js'

describe('parseOutputShape', () => {
  it.each(['json', 'yaml', 'name', 'wide'])('%s', (shape) => {
    expect(parseOutputShape(shape)).toEqual({kind: shape})
  })

  it.each([
    ['jsonpath=$.items[*].id', '$.items[*].id'],
    ['jsonpath={.items[*].id}', '$.items[*].id'],
    ['jsonpath={.limit}', '$.limit'],
    ['jsonpath=$', '$'],
    ["jsonpath=$.items[?@.name == 'a=b']", "$.items[?@.name == 'a=b']"],
    ["jsonpath=$['{x}']", "$['{x}']"],
  ])('%s is the expression %s', (input, expression) => {
    expect(parseOutputShape(input)).toEqual({kind: 'jsonpath', expression})
  })

  it.each([
    ['xml', "--output takes one of: json, yaml, name, wide, jsonpath=EXPR; got 'xml'"],
    ['JSON', "got 'JSON'"],
    ['jsonpath', "got 'jsonpath'"],
    ['', "got ''"],
    ['ya\u001B[2Jml', "got 'ya\\x1b[2Jml'"],
    ['jsonpath=', '-o jsonpath= needs an expression'],
    ['jsonpath=  ', '-o jsonpath= needs an expression'],
    ['jsonpath={range .items[*]}{.id}{end}', 'kubectl templates ({range}...{end}) are not taken'],
    ['jsonpath={.a}{.b}', 'kubectl templates (text around braces, several braces) are not taken'],
    ['jsonpath=id: {.id}', 'kubectl templates (text around braces, several braces) are not taken'],
    ['jsonpath={$.id}', 'kubectl templates (text around braces, several braces) are not taken'],
  ])('%j is refused (exit 2): %s', (input, message) => {
    let thrown: unknown
    try {
      parseOutputShape(input)
    } catch (error) {
      thrown = error
    }

    expect(thrown).toBeInstanceOf(UsageError)
    expect((thrown as UsageError).exitCode).toBe(2)
    expect((thrown as UsageError).message).toContain(message)
  })
})

describe('jsonpathExpression', () => {
  it(`takes ${MAX_JSONPATH_CHARACTERS} characters and refuses one more`, () => {
    const longest = `$${'.a'.repeat((MAX_JSONPATH_CHARACTERS - 1) / 2)}`
    expect(longest).toHaveLength(MAX_JSONPATH_CHARACTERS - (MAX_JSONPATH_CHARACTERS % 2 === 0 ? 1 : 0))
    expect(jsonpathExpression(longest)).toBe(longest)
    const tooLong = `${longest}${'b'.repeat(MAX_JSONPATH_CHARACTERS + 1 - longest.length)}`
    expect(() => jsonpathExpression(tooLong)).toThrow(`the JSONPath expression is ${MAX_JSONPATH_CHARACTERS + 1} characters`)
  })

  it('leaves the syntax of an RFC 9535 expression to the JSONPath library', () => {
    expect(jsonpathExpression('.items')).toBe('.items')
    expect(jsonpathExpression('$[')).toBe('$[')
  })
})
