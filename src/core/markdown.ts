import {escapeControl} from './text.js'

declare const safeMarkdownBrand: unique symbol

/**
 * Markdown in which no stored value can add markup, a line, a table cell or a terminal control: only the builders
 * below make it. Meant for a ticket or a pull request (GitHub Flavored Markdown, as cmark-gfm reads it).
 */
export type SafeMarkdown = string & {readonly [safeMarkdownBrand]: true}

const safe = (text: string): SafeMarkdown => text as SafeMarkdown

/**
 * A stored value (a name, an id, a label) as an inline code span. Inside a code span nothing is markup: no emphasis,
 * link, autolink (`www.x.com`, `a@b.com`), HTML or entity, which backslash escapes alone do not stop (GFM still links an
 * escaped e-mail address). Controls and line breaks are escaped first (`\x0a`), as in every human output; `|` is
 * written `\|`, which the table reader takes as a character of the cell, inside a code span too. The fence is one
 * backtick longer than the longest run of backticks in the value, padded with a space when the value starts or ends
 * with a backtick or a space (CommonMark strips one such space on each side).
 */
export function mdValue(value: string): SafeMarkdown {
  if (value === '') return safe('')
  const text = escapeControl(value).replaceAll('|', '\\|')
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longestRun + 1)
  const padded = /^[` ]|[` ]$/.test(text) ? ` ${text} ` : text
  return safe(`${fence}${padded}${fence}`)
}

// The ASCII punctuation that can open markup, a link or an autolink (`www.x.com`, `a@b.c`, `http:`), each of which
// CommonMark lets a backslash make a plain character. Hyphens, commas and parentheses stay readable: the program's
// own text never starts a line with them, and a link needs the `[` escaped here.
const MARKUP_PUNCTUATION = /[\\`*_{}[\]<>#+!|~&.:@^]/g

/**
 * Prose of the program's own (a heading, a count, a time) as plain text: controls escaped, every ASCII punctuation
 * character that could open markup backslash-escaped so that it stays a character. Stored values go through mdValue instead.
 */
export function mdText(text: string): SafeMarkdown {
  return safe(escapeControl(text).replaceAll(MARKUP_PUNCTUATION, '\\$&'))
}

/** Joins pieces that are each safe already. */
export function mdJoin(parts: readonly SafeMarkdown[], separator = ''): SafeMarkdown {
  return safe(parts.join(mdText(separator)))
}

export function mdHeading(level: number, text: string): SafeMarkdown {
  return safe(`${'#'.repeat(level)} ${mdText(text)}`)
}

/** A pipe table: a header row, the delimiter row, one row per line; an empty cell stays empty. */
export function mdTable(headers: readonly string[], rows: ReadonlyArray<readonly SafeMarkdown[]>): SafeMarkdown {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return safe([line(headers.map((header) => mdText(header))), `|${headers.map(() => ' --- |').join('')}`, ...rows.map(line)].join('\n'))
}

/** mdTable's lines one at a time, for a table too long to be made one string (Document.markdownBlocks writes them). */
export function* mdTableLines(headers: readonly string[], rows: Iterable<readonly SafeMarkdown[]>): Generator<SafeMarkdown> {
  const line = (cells: readonly string[]) => safe(`| ${cells.join(' | ')} |`)
  yield line(headers.map((header) => mdText(header)))
  yield safe(`|${headers.map(() => ' --- |').join('')}`)
  for (const row of rows) yield line(row)
}

/** Blocks (headings, tables, paragraphs) separated by a blank line, ending with a line break. */
export function mdDocument(blocks: readonly SafeMarkdown[]): SafeMarkdown {
  return safe(`${blocks.join('\n\n')}\n`)
}
