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
