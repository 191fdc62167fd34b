import {describe, expect, it} from 'vitest'

import {mdDocument, mdHeading, mdTable, mdText, mdValue} from '../../src/core/markdown.js'
import {parseMarkdown} from '../helpers/markdown.js'

/** Each value written into a table cell and a heading, read back by cmark-gfm: the same text, and never markup. */
const VALUES = [
  'plain',
  'a | b',
  'back\\slash | pipe',
  'ends with a backslash\\',
  '`starts with a backtick',
  'ends with a backtick`',
  'two `` backticks ``` three',
  ' spaced ',
  '*em* _em_ **strong** ~~struck~~',
  '<b>bold</b> <script>alert(1)</script> <!-- comment -->',
  '[link](http://evil.example) ![img](http://evil.example/x.png)',
  'www.evil.example https://evil.example mail@evil.example',
  '&amp; &#124; &lt;',
  '# heading | - list',
]

describe('Markdown of stored values', () => {
  it.each(VALUES)('%j is one cell, read back as it is, with no markup', (value) => {
    const tree = parseMarkdown(mdDocument([mdTable(['value', 'after'], [[mdValue(value), mdText('end')]])]))
    expect(tree.tables).toHaveLength(1)
    const [row] = tree.tables[0].rows
    expect(row.map((cell) => cell.text)).toEqual([value, 'end'])
    expect(row[0].nodes).toEqual(['code'])
  })

  it('line breaks and controls are escaped as on a terminal, so the row stays one line', () => {
    const tree = parseMarkdown(mdDocument([mdTable(['value'], [[mdValue('two\nlines\x1b[31m')]])]))
    expect(tree.tables[0].rows.map((row) => row[0].text)).toEqual(['two\\x0alines\\x1b[31m'])
  })

  it('the program\'s own words stay text: a heading, and prose naming an id like www.evil.example', () => {
    const tree = parseMarkdown(mdDocument([mdHeading(2, 'What to look at'), mdTable(['why'], [[mdText('on infrastructure www.evil.example: *open* [x](y)')]])]))
    expect(tree.headings).toEqual([{level: 2, text: 'What to look at'}])
    expect(tree.tables[0].rows[0][0]).toEqual({text: 'on infrastructure www.evil.example: *open* [x](y)', nodes: ['text']})
  })

  it('an empty value is an empty cell', () => {
    expect(mdValue('')).toBe('')
  })
})
