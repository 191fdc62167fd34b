import {describe, expect, it} from 'vitest'

import {Rendered} from '../../src/cli/output.js'
import {argvAsksJsonShape, checkShapeWithJsonFlag, type OutputShape, outputFlag, printInShape, type ShapeViews, withFields} from '../../src/cli/output-shape.js'
import {UsageError} from '../../src/errors.js'

const DOCUMENT = {items: [{id: 'a', size: 1, label: 'x\u001B[2Jy'}, {id: 'b\nc', size: null, label: null}], limit: 100, offset: 0, nextOffset: null}
const VIEWS: ShapeViews = {human: (wide) => new Rendered(wide ? 'table wide' : 'table'), names: () => DOCUMENT.items.map((item) => item.id)}

/** What printInShape hands to the command's say, as the lines it would print. */
async function said(shape: OutputShape | undefined): Promise<string[]> {
  const printed: string[] = []
  await printInShape(DOCUMENT, shape, VIEWS, (text) => {
    if (text !== undefined) printed.push(String(text))
  })
  return printed
}

describe('printInShape', () => {
  it('prints the human output without a shape, and the wide one with -o wide', async () => {
    expect(await said(undefined)).toEqual(['table'])
    expect(await said({kind: 'wide'})).toEqual(['table wide'])
  })

  it('prints nothing itself for -o json: oclif prints the result as under --json', async () => {
    expect(await said({kind: 'json'})).toEqual([])
  })

  it('prints one name a line for -o name, escaped as human output is', async () => {
    expect(await said({kind: 'name'})).toEqual(['a\nb\\x0ac'])
  })

  it.each([
    ['$.items[*].id', 'a\nb\\x0ac'],
    ['$.items[*].label', 'x\\x1b[2Jy\nnull'],
    ['$.items[*].size', '1\nnull'],
    ['$.items[0]', '{"id":"a","size":1,"label":"x\\u001b[2Jy"}'],
    ['$.limit', '100'],
    ['$.nothing', ''],
    ['$.items[?@.size == 1].id', 'a'],
  ])('-o jsonpath=%s prints each value a line: strings raw (escaped), others compact JSON', async (expression, lines) => {
    expect(await said({kind: 'jsonpath', expression})).toEqual([lines])
  })
})

describe('the output flag', () => {
  const parse = (input: string) => (outputFlag.output.parse as (input: string, context: unknown, options: unknown) => Promise<OutputShape>)(input, {}, {})

  it('is -o, and parses the shape', async () => {
    expect(outputFlag.output.char).toBe('o')
    expect(await parse('jsonpath={.items[*].id}')).toEqual({kind: 'jsonpath', expression: '$.items[*].id'})
  })

  it("refuses an expression json-p3 cannot read, with json-p3's message", async () => {
    await expect(parse('jsonpath=$.items[')).rejects.toThrow("invalid JSONPath expression: unclosed bracketed selection ('$.items[':8)")
    await expect(parse('jsonpath=$.items[')).rejects.toBeInstanceOf(UsageError)
  })
})

describe('checkShapeWithJsonFlag', () => {
  it('takes --json alone, -o alone, and --json with -o json', () => {
    expect(() => checkShapeWithJsonFlag(undefined, true)).not.toThrow()
    expect(() => checkShapeWithJsonFlag({kind: 'yaml'}, false)).not.toThrow()
    expect(() => checkShapeWithJsonFlag({kind: 'json'}, true)).not.toThrow()
  })

  it.each(['yaml', 'name', 'wide'] as const)('refuses --json with -o %s', (kind) => {
    expect(() => checkShapeWithJsonFlag({kind}, true)).toThrow(`--json and -o ${kind} ask for two different outputs`)
  })
})

describe('argvAsksJsonShape', () => {
  it.each([
    [['-o', 'json'], true],
    [['--output', 'json'], true],
    [['--output=json'], true],
    [['-ojson'], true],
    [['-o', 'yaml'], false],
    [['--', '-o', 'json'], false],
    [['-n', 'json'], false],
  ])('%j: %s', (argv, expected) => {
    expect(argvAsksJsonShape(argv)).toBe(expected)
  })
})

describe('withFields', () => {
  it('adds fields after a get\'s own for -o wide, and nothing without them', () => {
    const fields = new Rendered('id: a')
    expect(withFields(fields, [])).toBe(fields)
    expect(withFields(fields, [['owner id', null]]).text).toBe('id: a\nowner id:')
  })
})
