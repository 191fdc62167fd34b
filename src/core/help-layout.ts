/**
 * How help text is laid out, without oclif: descriptions are written as paragraphs (a newline only ends a paragraph
 * or starts a list item or an indented row), and wrapped here to the width of the terminal. oclif's own wrapping
 * (wrap-ansi with its default trim) drops the indentation of rows such as `  inherit   follow the service`, so a
 * table inside a description lost its columns.
 */

/** Where the continuation lines of a line start: under its text, a list item's text, or a row's last column. */
function hangingIndent(line: string, width: number): number {
  const indent = line.length - line.trimStart().length
  const item = /^\s*(?:[-*•]|\d+[.)])\s+/.exec(line)
  let hanging = item ? item[0].length : indent
  if (!item && indent > 0) {
    // A row of columns (`  GET  /v1/authorize   forward auth`): continue under the column after the widest gap.
    const gaps = [...line.slice(indent).matchAll(/ {2,}(?=\S)/g)]
    const last = gaps.at(-1)
    if (last) hanging = indent + last.index + last[0].length
  }

  // A column too far right leaves words a few letters wide: continue just under the start instead.
  return hanging > width * 0.6 ? Math.min(indent + 4, Math.floor(width / 2)) : hanging
}

/** One line wrapped to `width`, at spaces where it can, each continuation indented by `hanging`. */
export function wrapLine(line: string, width: number, hanging: number): string[] {
  const lines: string[] = []
  let rest = line.trimEnd()
  // Capped, so that every continuation line has room for text and the loop always moves on.
  const pad = ' '.repeat(Math.min(hanging, Math.floor(width / 2)))
  while ([...rest].length > width) {
    const chars = [...rest]
    const head = chars.slice(0, width + 1).join('')
    // Break at the last space that leaves text on this line, after the line's own indentation.
    const start = lines.length === 0 ? line.length - line.trimStart().length : pad.length
    let at = head.lastIndexOf(' ')
    while (at > start && head[at - 1] === ' ') at--
    if (at <= start) at = chars.slice(0, width).join('').length
    lines.push(rest.slice(0, at).trimEnd())
    rest = pad + rest.slice(at).trimStart()
  }

  lines.push(rest)
  return lines
}

/**
 * A description, as paragraphs and rows, wrapped to `width` columns: paragraphs flow, list items (`- `, `* `,
 * `1. `) and indented rows keep their indentation and continue under their text. No line is longer than `width`
 * (a word longer than that is cut).
 */
export function wrapHelpText(text: string, width: number): string {
  const usable = Math.max(width, 10)
  return text
    .split(/\r?\n/)
    .flatMap((line) => (line.trim() === '' ? [''] : wrapLine(line, usable, hangingIndent(line, usable))))
    .join('\n')
}

/**
 * A shell command wrapped to `width` as a shell reads it back: every broken line ends with ` \`, and the
 * continuations are indented by two more spaces than the command. A trailing comment (`# => yes`) is never broken
 * (a backslash in a comment continues nothing): when it does not fit after the command, it follows on lines of its
 * own, each a comment.
 */
export function wrapCommandLine(command: string, width: number): string {
  const indent = command.length - command.trimStart().length
  if ([...command].length <= width) return command
  const comment = / {1,}(#(?: .*)?)$/.exec(command)
  const code = comment ? command.slice(0, comment.index) : command
  const lines = wrapLine(code, Math.max(width - 2, 10), indent + 2).map((line, index, all) => (index < all.length - 1 ? `${line} \\` : line))
  if (!comment) return lines.join('\n')
  const last = lines.length - 1
  if ([...`${lines[last]}   ${comment[1]}`].length <= width) lines[last] = `${lines[last]}   ${comment[1]}`
  else lines.push(...wrapLine(`${' '.repeat(indent + 2)}${comment[1]}`, width - 2, indent + 2).map((line) => line.replace(/^( *)(?=[^ #])/, '$1# ')))
  return lines.join('\n')
}

/** A line of the root help: a topic or a top-level command, with its one-line description. */
export interface HelpEntry {
  name: string
  description: string
}

/** A heading of the root help and the topics or commands under it, in the order shown. */
export interface HelpGroup {
  title: string
  names: readonly string[]
}

/**
 * The entries under each group's title, in the group's order. A name in a group that no entry has is skipped (a
 * topic not built, or removed); an entry in no group goes under `otherTitle`, so nothing the CLI has goes unlisted
 * and nothing is listed twice. Groups left empty are left out.
 */
export function groupHelpEntries(
  entries: readonly HelpEntry[],
  groups: readonly HelpGroup[],
  otherTitle = 'OTHER',
): Array<{title: string; entries: HelpEntry[]}> {
  const byName = new Map(entries.map((entry) => [entry.name, entry]))
  const placed = new Set<string>()
  const grouped = groups.map(({title, names}) => {
    const found: HelpEntry[] = []
    for (const name of names) {
      const entry = byName.get(name)
      if (!entry || placed.has(name)) continue
      placed.add(name)
      found.push(entry)
    }

    return {title, entries: found}
  })
  const other = [...byName.values()].filter((entry) => !placed.has(entry.name))
  return [...grouped, {title: otherTitle, entries: other}].filter((group) => group.entries.length > 0)
}
