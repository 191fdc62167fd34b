/**
 * Text that came from a user or from the store, made safe to print. Escaped: the controls (C0, DEL, C1; tab and
 * newline included), the format characters (zero-width spaces and joiners, the bidirectional marks, embeddings,
 * overrides and isolates, the BOM, soft hyphens), the line and paragraph separators, the default-ignorable
 * characters (variation selectors, Hangul fillers, ...), the blank braille pattern and lone surrogates. Spaces
 * (no-break, ideographic, ...) print as they are: they show as space, and a name's key treats them as one. Printed raw, they let stored text move a terminal's cursor, rewrite its title, reorder what is shown (a
 * "Trojan Source" label), add a forged row to tab-separated output, or make two different names print the same
 * (`alice` and `alice` with a zero-width space). Names may no longer hold them (src/core/names.ts), but older ones
 * may, and so may labels and descriptions.
 */
const UNSAFE_CLASS = String.raw`\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800`
const UNSAFE = new RegExp(String.raw`[${UNSAFE_CLASS}]`, 'gu')
// The same without the newline: for messages whose line breaks are their own (a list of problems).
const UNSAFE_BUT_NEWLINE = new RegExp(String.raw`(?!\n)[${UNSAFE_CLASS}]`, 'gu')

/** `\xNN` up to U+00FF, `\uNNNN` up to U+FFFF, `\u{NNNNN}` beyond (variation selectors, tags). */
function escapeOne(character: string): string {
  const code = character.codePointAt(0)!
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`
}

/** One line, whatever the text holds: every unsafe character becomes `\xNN`, `\uNNNN` or `\u{NNNNN}`. */
export function escapeControl(text: string): string {
  return text.replaceAll(UNSAFE, escapeOne)
}

/** As escapeControl, but line breaks stay: for text whose lines are the program's own. */
export function escapeControlKeepingNewlines(text: string): string {
  return text.replaceAll(UNSAFE_BUT_NEWLINE, escapeOne)
}

/** Shortens user input quoted back in a message, so a 1 MB argument does not become a 1 MB message, and escapes it. */
export function preview(text: string, max = 60): string {
  return escapeControl(text.length > max ? `${text.slice(0, max)}…` : text)
}

/**
 * Characters that YAML does not allow in a document at all (outside its printable set, beyond what UNSAFE holds): the
 * byte order mark inside the text, the non-characters U+FFFE and U+FFFF, and halves of a surrogate pair on their own.
 */
const NOT_YAML_PRINTABLE = /[\uFEFF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

const UNSAFE_CHARACTER = new RegExp(UNSAFE.source, 'u')
const NOT_YAML_PRINTABLE_CHARACTER = new RegExp(NOT_YAML_PRINTABLE.source)

/** Whether YAML must write `text` double-quoted with escapes for it to be safe to print and exact to read back. */
export function needsYamlEscapes(text: string): boolean {
  return UNSAFE_CHARACTER.test(text) || NOT_YAML_PRINTABLE_CHARACTER.test(text)
}

/**
 * A YAML double-quoted scalar holding exactly `text`, on one line: every character escapeControl escapes is written
 * as the same `\xNN` or `\uNNNN`, which YAML reads back as that character.
 */
export function yamlDoubleQuoted(text: string): string {
  return `"${text.replaceAll(/["\\]/g, '\\$&').replaceAll(UNSAFE, escapeYamlOne).replaceAll(NOT_YAML_PRINTABLE, escapeYamlOne)}"`
}

/** escapeOne in YAML's own syntax: `\xNN`, `\uNNNN`, and `\UNNNNNNNN` beyond U+FFFF (YAML has no `\u{...}`). */
function escapeYamlOne(character: string): string {
  const code = character.codePointAt(0)!
  return code <= 0xffff ? escapeOne(character) : `\\U${code.toString(16).padStart(8, '0')}`
}

// What may start a plain scalar: a letter, a digit or a few marks that are never YAML indicators (not `.`: a line
// starting `...` ends a document).
const PLAIN_START = /^[\p{L}\p{N}_/(]/u
// What the YAML 1.2 core schema reads as null, a boolean or a number rather than as the string written.
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/

/**
 * One YAML scalar for `text` (in block context: a mapping's key or value), on one line, that a YAML reader takes as
 * exactly that string: plain when it is plainly a string (`alice@example.com`, `2 hours ago`), else double-quoted with escapes (`"ci: deploy #1"`, `"-"`,
 * `"0123"`, `"a\x0ab"`). Deliberately stricter than YAML needs, so that a plain value is never a surprise; it needs
 * no YAML library, so the commands that print fields do not load one.
 */
export function yamlScalar(text: string): string {
  const plain =
    PLAIN_START.test(text) &&
    !text.endsWith(' ') &&
    !text.endsWith(':') &&
    !text.includes(': ') &&
    !text.includes(' #') &&
    !NOT_A_STRING.test(text) &&
    !needsYamlEscapes(text)
  return plain ? text : yamlDoubleQuoted(text)
}

// The same characters as UNSAFE_BUT_NEWLINE: JSON.stringify escapes only the C0 controls among them.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_JSON = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g

/**
 * JSON text of `value` that is safe to print: JSON.stringify escapes the C0 controls, and this escapes what it leaves
 * raw (DEL, the C1 controls, the line separators and the bidirectional marks) as `\uNNNN`, which every JSON reader
 * reads back as the same character. Line breaks are only the layout's own (with `indent`).
 */
export function jsonText(value: unknown, indent?: number): string {
  const text = JSON.stringify(value, null, indent) ?? 'null'
  return text.replaceAll(UNSAFE_IN_JSON, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * The text of jsonText(value, 2), character for character, as a sequence of pieces: the members of objects and the
 * items of arrays down to `depth` levels each come on their own, so a large document (`review --json`) is written a
 * piece at a time rather than held as one string beside the value it was made of. A generator stands for a list that
 * is read as it is written, and is written as an array (JSON.stringify would write `{}`). Deeper values, and anything
 * but plain objects, arrays and generators (a toJSON, a Date), are one piece each, through jsonText.
 */
export function* jsonTextParts(value: unknown, depth = 2, indent = ''): Generator<string> {
  if (depth <= 0 || !isSplittable(value)) {
    yield jsonText(isGenerator(value) ? [...value] : value, 2).replaceAll('\n', `\n${indent}`)
    return
  }

  const nested = `${indent}  `
  const isList = Array.isArray(value) || isGenerator(value)
  const entries: Iterable<[string | undefined, unknown]> = isList
    ? (function* () {
        for (const item of value as Iterable<unknown>) yield [undefined, isJsonValue(item) ? item : null] as [undefined, unknown]
      })()
    : Object.entries(value).filter(([, item]) => isJsonValue(item))
  let first = true
  for (const [key, item] of entries) {
    yield `${first ? (isList ? '[' : '{') : ','}\n${nested}${key === undefined ? '' : `${jsonText(key)}: `}`
    first = false
    yield* jsonTextParts(item, depth - 1, nested)
  }

  yield first ? (isList ? '[]' : '{}') : `\n${indent}${isList ? ']' : '}'}`
}

/** What JSON.stringify writes as a value rather than leaving out (in an object) or writing null (in an array). */
const isJsonValue = (value: unknown) => value !== undefined && typeof value !== 'function' && typeof value !== 'symbol'

const isGenerator = (value: unknown): value is Generator<unknown> => Object.prototype.toString.call(value) === '[object Generator]'

function isSplittable(value: unknown): value is Record<string, unknown> | Iterable<unknown> {
  if (Array.isArray(value) || isGenerator(value)) return true
  if (value === null || typeof value !== 'object' || typeof (value as {toJSON?: unknown}).toJSON === 'function') return false
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}
