import {FAILSAFE_SCHEMA, load as loadYaml} from 'js-yaml'
import {isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, parseDocument, visit} from 'yaml'

import {UsageError} from '../errors.js'
import {accountNameProblem, normalizeAccountName} from './names.js'
import {preview} from './text.js'

/**
 * The accounts import formats, read as a stream: records come out one at a time while the input is read, so an
 * import holds one entry (and, for YAML, one batch of entries) in memory, never the whole file.
 */

/** One account of an import, with the line it starts on for messages. */
export interface ImportRecord {
  line: number
  name: string
  groups: string[]
}

/** One line of input and its 1-based number (what the input reader yields). */
export interface ImportLine {
  text: string
  line: number
}

export type ImportFormat = 'yaml' | 'jsonl'

/** One YAML entry (or a whole flow-style list) is at most this many characters unless the caller says otherwise. */
export const DEFAULT_ENTRY_CAP = 64 * 1024

const ALLOWED_KEYS = new Set(['name', 'groups'])

function fail(line: number, message: string): never {
  throw new UsageError(`line ${line}: ${message}`)
}

function toRecord(value: unknown, line: number): ImportRecord {
  if (typeof value === 'string') return {line, name: checkName(value, line), groups: []}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(line, 'each entry must be an account name or an object {name, groups}')
  }

  const entry = value as Record<string, unknown>
  for (const key of Object.keys(entry)) {
    if (!ALLOWED_KEYS.has(key)) fail(line, `unknown key '${preview(key)}' (allowed: name, groups)`)
  }

  if (typeof entry.name !== 'string') fail(line, "'name' must be a string")
  let groups: string[] = []
  if (entry.groups !== undefined && entry.groups !== null) {
    if (!Array.isArray(entry.groups) || entry.groups.some((g) => typeof g !== 'string')) {
      fail(line, "'groups' must be a list of group names")
    }

    // A group named twice in one entry is one membership: merged, as repeated grant names are.
    groups = [...new Set(entry.groups as string[])]
  }

  return {line, name: checkName(entry.name, line), groups}
}

/** A name to import, checked by the rule of every new account name and in NFC, the form it is stored in. */
function checkName(name: string, line: number): string {
  const problem = accountNameProblem(name)
  if (problem !== undefined) fail(line, problem)
  return normalizeAccountName(name)
}

/** JSON Lines: one object (or name string) per line; blank lines are skipped. */
export function* jsonlRecords(lines: Iterable<ImportLine>): Generator<ImportRecord> {
  for (const {text, line} of lines) {
    if (text.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      fail(line, `not valid JSON: ${preview((error as Error).message, 120)}`)
    }

    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const duplicate = firstDuplicateKey(text)
      // JSON.parse keeps the last of two equal keys; YAML refuses them, and so does JSON Lines.
      if (duplicate !== undefined) fail(line, `the key '${preview(duplicate)}' appears twice`)
    }

    yield toRecord(value, line)
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

/**
 * The first key that appears twice in the top-level object of a valid JSON text, comparing keys as JSON.parse
 * decodes them ("a" and "\u0061" are one key). Nested objects are left alone: an import entry holds none.
 */
export function firstDuplicateKey(json: string): string | undefined {
  const keys = new Set<string>()
  let depth = 0
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i)
    if (code === QUOTE) {
      const start = i
      for (i++; json.charCodeAt(i) !== QUOTE; i++) if (json.charCodeAt(i) === BACKSLASH) i++
      if (depth !== 1) continue
      let next = i + 1
      while (next < json.length && /\s/.test(json[next])) next++
      if (json.charCodeAt(next) !== COLON) continue
      const key = JSON.parse(json.slice(start, i + 1)) as string
      if (keys.has(key)) return key
      keys.add(key)
    } else if (code === 0x7b || code === 0x5b) {
      depth++
    } else if (code === 0x7d || code === 0x5d) {
      depth--
    }
  }

  return undefined
}

/**
 * Entries are parsed this many characters at a time: enough that js-yaml's per-call cost disappears; at 128 KiB
 * the garbage of each parse grew the heap by 30 MiB over a 100,000-account import, at 8 KiB by 4.
 */
const BATCH_CHARS = 8 * 1024

const ITEM_START = /^( *)-(?:[ \t]|$)/
const IGNORABLE = /^\s*(?:#.*)?$/
const DOCUMENT_START = /^---\s*(?:#.*)?$/
const DOCUMENT_MARKER = /^(?:---|\.\.\.)(?:\s|$)/

/**
 * A YAML list of names or `{name, groups}` objects, read with the failsafe schema so that every scalar is a string
 * (an account named 2026-01-01 or 0123 stays that name). The list is cut into its entries by their `- ` lines, and
 * a batch of entries is parsed at a time: js-yaml reads valid input about ten times faster than `yaml` (the
 * 100,000 entries of `npm run bench:import` in 8 KiB batches: 60-90 ms against 700-800 ms, 2026-12-05; with `yaml`
 * alone the YAML import took twice as long as the JSON Lines one instead of 1.2 times), which matters at 100,000
 * accounts; only when something is wrong is a batch parsed again with `yaml`, to name the line
 * (and column) the same way the policy parser does. Each entry stands alone, so anchors and aliases are refused.
 * A list that is not written one `- ` entry per line (flow style, `[a, b]`) is read whole, up to the entry cap.
 */
export function* yamlRecords(lines: Iterable<ImportLine>, entryCap = DEFAULT_ENTRY_CAP): Generator<ImportRecord> {
  let indent: string | undefined
  let inFlow = false
  let entry: string[] = []
  let entryChars = 0
  let entryLine = 0
  let batch: string[] = []
  let batchChars = 0
  let batchLines: number[] = []

  function* flushBatch(): Generator<ImportRecord> {
    if (batchLines.length === 0) return
    // Every line had its line break (a kept block scalar, `|+`, counts the trailing ones).
    const text = `${batch.join('\n')}\n`
    const firstLine = batchLines[0]
    const values = parseBatch(text, firstLine)
    if (values.length !== batchLines.length) {
      // Cut differently than YAML reads it (a scalar running over a `- ` line): let `yaml` say where.
      parseYamlDocument(text, firstLine)
      fail(firstLine, 'the entries from here on cannot be told apart: start each with "- " on a line of its own')
    }

    for (const [index, value] of values.entries()) yield toRecord(value, batchLines[index])
    batch = []
    batchChars = 0
    batchLines = []
  }

  function* endEntry(): Generator<ImportRecord> {
    if (entry.length === 0) return
    batch.push(...entry)
    batchChars += entryChars
    batchLines.push(entryLine)
    entry = []
    entryChars = 0
    if (batchChars >= BATCH_CHARS) yield* flushBatch()
  }

  function add(text: string): void {
    entry.push(text)
    entryChars += text.length + 1
    if (entryChars > entryCap) {
      fail(entryLine, `${inFlow ? 'a list written in flow style' : 'an entry'} is longer than ${entryCap} characters`)
    }
  }

  for (const {text, line} of lines) {
    if (inFlow) {
      add(text)
      continue
    }

    if (indent === undefined) {
      if (IGNORABLE.test(text) || DOCUMENT_START.test(text) || text.startsWith('%')) continue
      const start = ITEM_START.exec(text)
      if (start) {
        indent = start[1]
      } else {
        inFlow = true
        entryLine = line
        add(text)
        continue
      }
    }

    const start = ITEM_START.exec(text)
    if (start && start[1] === indent) {
      yield* endEntry()
      entryLine = line
    } else if (DOCUMENT_MARKER.test(text)) {
      fail(line, 'an import is one YAML document: remove the --- or ... line')
    }

    add(text)
  }

  if (inFlow) {
    yield* flowList(`${entry.join('\n')}\n`, entryLine)
    return
  }

  yield* endEntry()
  yield* flushBatch()
}

function* flowList(text: string, firstLine: number): Generator<ImportRecord> {
  const values = parseYamlDocument(text, firstLine)
  for (const {value, line} of values) yield toRecord(value, line)
}

class AnchorFound extends Error {
  constructor(readonly line: number) {
    super('anchor')
  }
}

/** The entries of one batch, by js-yaml; on any problem, by `yaml`, which says where it is. */
function parseBatch(text: string, firstLine: number): unknown[] {
  let value: unknown
  try {
    value = loadYaml(text, {
      schema: FAILSAFE_SCHEMA,
      listener(event, state) {
        const {anchor, line} = state as unknown as {anchor: string | null; line: number}
        if (event === 'close' && anchor !== null) throw new AnchorFound(firstLine + line)
      },
    })
  } catch (error) {
    if (error instanceof AnchorFound) anchorsRefused(error.line)
    return parseYamlDocument(text, firstLine).map(({value}) => value)
  }

  if (!Array.isArray(value)) return parseYamlDocument(text, firstLine).map(({value}) => value)
  return value
}

function anchorsRefused(line: number): never {
  fail(line, 'anchors and aliases (&name, *name) are not accepted in an import: write each entry out')
}

/** The slow path: a document with positions, so every error can say where it is. */
function parseYamlDocument(text: string, firstLine: number): Array<{value: unknown; line: number}> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, uniqueKeys: true, schema: 'failsafe', logLevel: 'error'})
  const lineAt = (offset: number | undefined) => firstLine - 1 + lineCounter.linePos(offset ?? 0).line
  const syntax = doc.errors[0] ?? doc.warnings[0]
  if (syntax) {
    const at = syntax.linePos?.[0]
    const where = at ? ` at line ${firstLine - 1 + at.line}, column ${at.col}` : ''
    throw new UsageError(`YAML error${where}: ${preview(syntax.message.split('\n')[0], 200)}`)
  }

  visit(doc, (_key, node) => {
    if (isAlias(node) || ((isScalar(node) || isCollection(node)) && node.anchor)) anchorsRefused(lineAt(node.range?.[0]))
  })
  const root = doc.contents
  if (root === null) return []
  if (!isSeq(root)) fail(lineAt(root.range?.[0]), 'the file must be a YAML list of accounts')
  return root.items.map((item) => {
    const line = lineAt(item.range?.[0])
    if (!isScalar(item) && !isMap(item)) fail(line, 'each entry must be an account name or an object {name, groups}')
    return {value: readNode(item, line), line}
  })
}

function readNode(node: {toJSON: () => unknown}, line: number): unknown {
  try {
    return node.toJSON()
  } catch (error) {
    return fail(line, preview((error as Error).message.split('\n')[0], 200))
  }
}

/** Picks the format from an explicit choice, the file's extension, or the first character of the content. */
export function detectFormat(firstContent: string, fileName?: string, explicit?: ImportFormat): ImportFormat {
  if (explicit) return explicit
  if (fileName && /\.(jsonl|ndjson)$/i.test(fileName)) return 'jsonl'
  if (fileName && /\.ya?ml$/i.test(fileName)) return 'yaml'
  return firstContent.trimStart().startsWith('{') ? 'jsonl' : 'yaml'
}

export function importRecords(lines: Iterable<ImportLine>, format: ImportFormat, entryCap = DEFAULT_ENTRY_CAP): Iterable<ImportRecord> {
  return format === 'jsonl' ? jsonlRecords(lines) : yamlRecords(lines, entryCap)
}

/** The lines of a text held in memory, numbered as the input reader numbers them (`\r\n` or `\n`). */
export function* textLines(text: string): Generator<ImportLine> {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text
  let line = 0
  let start = 0
  while (start < body.length) {
    const end = body.indexOf('\n', start)
    const raw = body.slice(start, end === -1 ? body.length : end)
    line++
    yield {text: raw.endsWith('\r') ? raw.slice(0, -1) : raw, line}
    if (end === -1) break
    start = end + 1
  }
}

/** A whole JSON Lines text, parsed (for tests and small inputs). */
export function parseJsonl(text: string): ImportRecord[] {
  return [...jsonlRecords(textLines(text))]
}

/** A whole YAML text, parsed (for tests and small inputs). */
export function parseYamlList(text: string, entryCap = DEFAULT_ENTRY_CAP): ImportRecord[] {
  return [...yamlRecords(textLines(text), entryCap)]
}
