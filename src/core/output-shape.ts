import {UsageError} from '../errors.js'
import {preview} from './text.js'

/** The shapes `-o/--output` takes, as kubectl names them; jsonpath takes its expression after `=`. */
export const OUTPUT_SHAPES = ['json', 'yaml', 'name', 'wide', 'jsonpath=EXPR'] as const

export type OutputShape = {kind: 'json' | 'yaml' | 'name' | 'wide'} | {kind: 'jsonpath'; expression: string}

/** Far past any useful query, and short enough that a pasted document is refused rather than compiled. */
export const MAX_JSONPATH_CHARACTERS = 1000

const PLAIN_SHAPES = new Set(['json', 'yaml', 'name', 'wide'])

/**
 * Reads the value of `-o`. The expression is only checked for its form here (length, braces); its syntax is json-p3's
 * to judge, which the caller asks before the store is opened.
 */
export function parseOutputShape(input: string): OutputShape {
  if (PLAIN_SHAPES.has(input)) return {kind: input as 'json' | 'yaml' | 'name' | 'wide'}
  const jsonpath = /^jsonpath=([\s\S]*)$/.exec(input)
  if (!jsonpath) {
    throw new UsageError(`--output takes one of: ${OUTPUT_SHAPES.join(', ')}; got '${preview(input, 100)}'`, {
      hint: "For example -o yaml, or -o jsonpath='$.items[*].id'.",
    })
  }

  return {kind: 'jsonpath', expression: jsonpathExpression(jsonpath[1])}
}

/**
 * An RFC 9535 expression as it is, or kubectl's one braced expression `{.items[*].name}` turned into `$.items[*].name`.
 * kubectl's templates (text around the braces, several braces, {range}/{end}) are not JSONPath and are refused: a
 * query that quietly printed something else would be worse.
 */
export function jsonpathExpression(given: string): string {
  if (given.trim() === '') throw new UsageError('-o jsonpath= needs an expression', {hint: "For example -o jsonpath='$.items[*].id'."})
  if (given.length > MAX_JSONPATH_CHARACTERS) {
    throw new UsageError(`the JSONPath expression is ${given.length} characters; at most ${MAX_JSONPATH_CHARACTERS} are taken`)
  }

  if (!given.includes('{') || given.startsWith('$')) return given
  const braced = /^\{(\.[^{}]*)\}$/.exec(given)
  if (braced) return `$${braced[1]}`
  const template = /\{\s*(range|end)\b/.test(given) ? 'kubectl templates ({range}...{end})' : 'kubectl templates (text around braces, several braces)'
  throw new UsageError(`${template} are not taken: -o jsonpath takes one RFC 9535 expression, or one braced {.path}`, {
    hint: "Write the query as one expression, e.g. -o jsonpath='$.items[*].id' (one match a line), and join lines with the shell if needed.",
  })
}
