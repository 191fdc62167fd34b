import {Document, parseDocument, visit} from 'yaml'

import {needsYamlEscapes, yamlDoubleQuoted} from './text.js'

// Apart from text.ts so that only the commands that print YAML documents load the YAML library: start-up time.

declare const safeYamlBrand: unique symbol

/** YAML text in which no scalar can drive a terminal or add a line: only yamlText makes it. */
export type SafeYamlText = string & {readonly [safeYamlBrand]: true}

/**
 * The YAML library's layout, block style, without anchors for objects that appear twice (a reader wants them whole).
 * A string that needs escapes is written double-quoted from the start: written plain, a byte order mark opening the
 * document would be read as the stream's own and dropped, and requoteUnsafeScalars could not find it.
 */
function defaultDump(value: unknown): string {
  const document = new Document(value, {aliasDuplicateObjects: false})
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && needsYamlEscapes(node.value)) node.type = 'QUOTE_DOUBLE'
    },
  })
  return document.toString()
}

/**
 * YAML text of `value` that is safe to print and reads back as `value` exactly. YAML libraries write a bidirectional
 * mark (and the `yaml` library a C1 control or a tab) as it is, and a line break as a line of a block scalar: each
 * scalar whose string holds such a character is rewritten double-quoted, with the escapes of human output (`\x0a`,
 * `\u202e`), which are YAML's own. `dump` lays the text out (the `yaml` library's stringify unless told).
 */
export function yamlText(value: unknown, dump: (value: unknown) => string = defaultDump): SafeYamlText {
  const text = dump(value)
  return (holdsUnsafeString(value) ? requoteUnsafeScalars(text) : text) as SafeYamlText
}

function holdsUnsafeString(value: unknown): boolean {
  if (typeof value === 'string') return needsYamlEscapes(value)
  if (Array.isArray(value)) return value.some(holdsUnsafeString)
  if (value instanceof Map) return [...value].some(([key, item]) => holdsUnsafeString(key) || holdsUnsafeString(item))
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, item]) => needsYamlEscapes(key) || holdsUnsafeString(item))
  return false
}

// eslint-disable-next-line no-control-regex
const RAW_UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/

/** Replaces, in the text, the source of every scalar that needs escapes with its double-quoted form. */
function requoteUnsafeScalars(text: string): string {
  // Failsafe: every scalar is read as the string it holds, which is what is compared and rewritten.
  const document = parseDocument(text, {schema: 'failsafe'})
  if (document.errors.length > 0) throw new Error(`the YAML library wrote YAML it cannot read: ${document.errors[0].message}`)
  const edits: Array<{start: number; end: number; replacement: string}> = []
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !needsYamlEscapes(node.value) || !node.range) return
      const [start, end] = node.range
      // A block scalar's source ends with its line break, which the line after it still needs.
      const lineBreak = text.slice(start, end).endsWith('\n') ? '\n' : ''
      edits.push({start, end, replacement: yamlDoubleQuoted(node.value) + lineBreak})
    },
  })

  let safe = text
  for (const {start, end, replacement} of edits.sort((a, b) => b.start - a.start)) safe = safe.slice(0, start) + replacement + safe.slice(end)
  if (RAW_UNSAFE_BUT_NEWLINE.test(safe)) throw new Error('a YAML document still holds a control character after escaping')
  return safe
}
