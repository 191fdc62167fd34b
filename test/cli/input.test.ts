import {execFileSync} from 'node:child_process'
import {closeSync, mkdirSync, openSync, readSync, symlinkSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import fc from 'fast-check'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {closeInput, type InputSource, LineReader, openInput, readAllText, readFirstLine} from '../../src/cli/input.js'
import {textLines} from '../../src/core/import-format.js'
import {UsageError} from '../../src/errors.js'
import {type TempDir, tempDir} from '../helpers/cli.js'

describe('the input reader', () => {
  let dir: TempDir
  let counter = 0
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(() => dir.cleanup())

  const file = (content: string | Buffer): string => {
    const path = join(dir.path, `input-${counter++}`)
    writeFileSync(path, content)
    return path
  }

  /** How many bytes the reader took from the file: what is left is read after it stopped. */
  const consumed = (input: InputSource, size: number): number => {
    const rest = Buffer.alloc(size)
    let left = 0
    for (let read = 1; read > 0; left += read) read = readSync(input.fd, rest, 0, rest.length, null)
    return size - left
  }

  const lines = (path: string, options: {cap?: number; totalCap?: number; strictUtf8?: boolean} = {}) => {
    const input = openInput(path, 'lines')
    try {
      return [...new LineReader(input, {what: 'a line', cap: options.cap ?? 1024, totalCap: options.totalCap, strictUtf8: options.strictUtf8 ?? true})]
    } finally {
      closeInput(input)
    }
  }

  it('reads lines as the parsers number them: \\n or \\r\\n, a last line without a break, a BOM only at the start', () => {
    expect(lines(file('\uFEFFa\r\nb\n\nc'))).toEqual([
      {text: 'a', line: 1},
      {text: 'b', line: 2},
      {text: '', line: 3},
      {text: 'c', line: 4},
    ])
    expect(lines(file('a\n\uFEFFb\n')).map((l) => l.text)).toEqual(['a', '\uFEFFb'])
    expect(lines(file(''))).toEqual([])
  })

  it('gives the same lines as the parsers split a text into, across chunk boundaries (fuzzed)', () => {
    const text = fc.string({unit: fc.oneof(fc.constantFrom('\n', '\r', '\r\n', 'é', '😀', 'x'), fc.string({unit: 'grapheme', maxLength: 1})), maxLength: 200})
    fc.assert(
      fc.property(text, fc.integer({min: 0, max: 70_000}), (sample, padding) => {
        // Padding pushes the sample across the reader's 64 KiB chunks.
        const content = `${'p'.repeat(padding)}\n${sample}`
        expect(lines(file(content), {cap: 1024 * 1024})).toEqual([...textLines(content)])
      }),
      {numRuns: 150},
    )
  })

  it('takes a line of exactly the cap and refuses one byte more, counted in bytes, naming the line', () => {
    expect(lines(file(`ok\n${'é'.repeat(50)}\n`), {cap: 100})).toHaveLength(2)
    expect(() => lines(file(`ok\n${'é'.repeat(50)}x\n`), {cap: 100})).toThrow(/^line 2 of '.*' is longer than 100 bytes: a line is at most 100 bytes$/)
  })

  it('stops reading one byte past a line cap or a total cap, however much follows', () => {
    const size = 1024 * 1024
    for (const [content, options, message] of [
      ['z'.repeat(size), {cap: 1000}, /line 1 .* longer than 1000 bytes/],
      ['short\n'.repeat(size / 6), {cap: 1000, totalCap: 5000}, /holds more than 5000 bytes/],
    ] as const) {
      // Without a size, as stdin is: only the streaming caps can stop it.
      const input = {...openInput(file(content), 'lines'), size: undefined}
      try {
        const reader = new LineReader(input, {what: 'a line', strictUtf8: true, ...options})
        expect(() => [...reader]).toThrow(message)
        expect(consumed(input, content.length)).toBeLessThanOrEqual((options.totalCap ?? options.cap) + 1)
      } finally {
        closeInput(input)
      }
    }

    const big = 'w'.repeat(size)
    const input = {...openInput(file(big), 'a document'), size: undefined}
    try {
      expect(() => readAllText(input, {what: 'a document', cap: 4096, strictUtf8: true})).toThrow(
        /holds more than 4 KiB: a document is at most 4 KiB/,
      )
      expect(consumed(input, size)).toBe(4097)
    } finally {
      closeInput(input)
    }
  })

  it('refuses a regular file over a total cap by its size, before reading it', () => {
    const content = 'line\n'.repeat(50_000)
    for (const read of [
      (input: InputSource) => readAllText(input, {what: 'a document', cap: 1000, strictUtf8: true}),
      (input: InputSource) => [...new LineReader(input, {what: 'a line', cap: 1000, totalCap: 100_000, totalWhat: 'an import', strictUtf8: true})],
    ]) {
      const input = openInput(file(content), 'a document')
      try {
        expect(() => read(input)).toThrow(/holds more than/)
        expect(consumed(input, content.length)).toBe(0)
      } finally {
        closeInput(input)
      }
    }
  })

  it('reads a whole text up to its cap, without a BOM; the first line without reading further', () => {
    const read = (content: string | Buffer, cap: number) => {
      const input = openInput(file(content), 'text')
      try {
        return readAllText(input, {what: 'text', cap, strictUtf8: true})
      } finally {
        closeInput(input)
      }
    }

    expect(read('\uFEFFabc', 6)).toBe('abc')
    expect(read('x'.repeat(100), 100)).toBe('x'.repeat(100))
    expect(() => read('x'.repeat(101), 100)).toThrow(UsageError)
    const input = openInput(file(`key\n${'rest'.repeat(10_000)}`), 'a key')
    try {
      expect(readFirstLine(input, {what: 'a key', cap: 64, strictUtf8: false})).toBe('key')
      expect(consumed(input, 40_004)).toBeLessThanOrEqual(65)
    } finally {
      closeInput(input)
    }
  })

  it('refuses text that is not UTF-8 in documents, naming the line; tokens and keys only get U+FFFD', () => {
    const latin1 = Buffer.concat([Buffer.from('fine\nalso fine\nJos'), Buffer.from([0xe9]), Buffer.from('\n')])
    expect(() => lines(file(latin1))).toThrow(/^line 3 of '.*' is not UTF-8 text$/)
    expect(lines(file(latin1), {strictUtf8: false})[2].text).toBe('Jos\uFFFD')
  })

  it('refuses special files without blocking: a FIFO, a device, a folder; follows a link to a regular file', () => {
    const fifo = join(dir.path, 'fifo')
    execFileSync('mkfifo', [fifo])
    const folder = join(dir.path, 'folder')
    mkdirSync(folder)
    for (const [path, kind] of [
      [fifo, 'a named pipe \\(FIFO\\)'],
      ['/dev/zero', 'a device'],
      ['/dev/null', 'a device'],
      [folder, 'a folder'],
    ]) {
      expect(() => openInput(path, 'a config')).toThrow(new RegExp(`it is ${kind}, not a regular file`))
    }

    expect(() => openInput(join(dir.path, 'missing'), 'a config')).toThrow(/no such file/)
    expect(() => openInput(`${file('x')}/below`, 'a config')).toThrow(/not a folder/)
    const link = join(dir.path, 'link')
    symlinkSync(file('linked'), link)
    const input = openInput(link, 'a config')
    expect(readAllText(input, {what: 'a config', cap: 100, strictUtf8: true})).toBe('linked')
    closeInput(input)
  })

  it('quotes a path with control characters or padding escaped', () => {
    expect(() => openInput(' nope\u001B[2J\n ', 'a config')).toThrow(/^cannot read ' nope\\x1b\[2J\\x0a ': no such file$/)
  })

  it('leaves stdin open when done with it', () => {
    const zero = openSync('/dev/zero', 'r')
    const source: InputSource = {fd: zero, name: 'stdin', isStdin: true}
    closeInput(source)
    expect(readSync(zero, Buffer.alloc(1), 0, 1, null)).toBe(1)
    closeSync(zero)
  })
})
