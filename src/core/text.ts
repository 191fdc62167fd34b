/**
 * Text that came from a user or from the store, made safe to print. Escaped: the C0 controls (tab and newline
 * included), DEL, the C1 controls, the Unicode line and paragraph separators, and the bidirectional marks,
 * embeddings, overrides and isolates. Printed raw, they let stored text move a terminal's cursor, rewrite its title,
 * reorder what is shown (a "Trojan Source" label), or add a forged row to tab-separated output.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g
// The same without the newline: for messages whose line breaks are their own (a list of problems).
// eslint-disable-next-line no-control-regex
const UNSAFE_BUT_NEWLINE = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g

function escapeOne(character: string): string {
  const code = character.codePointAt(0)!
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** One line, whatever the text holds: every unsafe character becomes `\xNN` or `\uNNNN`. */
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
