import {execFileSync} from 'node:child_process'

/**
 * Markdown read by GitHub's own parser, cmark-gfm (with its table, autolink, strikethrough and tagfilter extensions,
 * as github.com renders), into its XML syntax tree, read in turn by Python's standard XML parser: what a ticket or a
 * pull request would show, cell by cell. .ci/run installs cmark-gfm.
 */

export interface MarkdownCell {
  /** The text the cell shows (text and code spans, concatenated). */
  text: string
  /** The kinds of inline nodes in the cell (text, code, link, emph, html_inline, ...), so a test can tell markup. */
  nodes: string[]
}

export interface MarkdownTable {
  header: MarkdownCell[]
  rows: MarkdownCell[][]
}

export interface MarkdownTree {
  headings: Array<{level: number; text: string}>
  tables: MarkdownTable[]
  /** Every node kind in the document, blocks and inlines. */
  nodeKinds: string[]
}

const TREE_TO_JSON = String.raw`
import json, sys, xml.etree.ElementTree as ET
ns = '{http://commonmark.org/xml/1.0}'
root = ET.fromstring(sys.stdin.buffer.read())
tag = lambda e: e.tag.replace(ns, '')
def text_of(e):
    return ''.join((d.text or '') for d in e.iter() if tag(d) in ('text', 'code'))
def cell(c):
    return {'text': text_of(c), 'nodes': sorted({tag(d) for d in c.iter() if d is not c})}
tables = []
for t in root.iter(ns + 'table'):
    header = [cell(c) for c in t.find(ns + 'table_header')]
    rows = [[cell(c) for c in r] for r in t.findall(ns + 'table_row')]
    tables.append({'header': header, 'rows': rows})
headings = [{'level': int(h.get('level')), 'text': text_of(h)} for h in root.iter(ns + 'heading')]
print(json.dumps({'headings': headings, 'tables': tables, 'nodeKinds': sorted({tag(e) for e in root.iter()})}))
`

export function parseMarkdown(markdown: string): MarkdownTree {
  const xml = execFileSync('cmark-gfm', ['--extension', 'table', '--extension', 'autolink', '--extension', 'strikethrough', '--extension', 'tagfilter', '--to', 'xml'], {
    input: markdown,
  })
  const json = execFileSync('python3', ['-c', TREE_TO_JSON], {input: xml}).toString()
  return JSON.parse(json) as MarkdownTree
}

/** A table's rows as records keyed by its header texts. */
export function tableRecords(table: MarkdownTable): Array<Record<string, MarkdownCell>> {
  return table.rows.map((row) => Object.fromEntries(table.header.map((header, i) => [header.text, row[i]])))
}
