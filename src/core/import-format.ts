import {FAILSAFE_SCHEMA, load as loadYaml} from 'js-yaml'
import {isMap, isScalar, isSeq, LineCounter, parseDocument} from 'yaml'

import {UsageError} from '../errors.js'
import {MAX_ACCOUNT_NAME_LENGTH, preview} from './names.js'

/** One account of an import file; `index` is its position, which `ImportSource.lineOf` turns into a line. */
export interface ImportRecord {
  index: number
  name: string
  groups: string[]
}

export interface ImportSource {
  records: ImportRecord[]
  /** The line an entry starts on, for error messages; may re-read the text, so it is only called on failure. */
  lineOf: (index: number) => number
}

export type ImportFormat = 'yaml' | 'jsonl'

const ALLOWED_KEYS = new Set(['name', 'groups'])

function fail(line: number, message: string): never {
  throw new UsageError(`line ${line}: ${message}`)
}

function toRecord(value: unknown, index: number, line: () => number): ImportRecord {
  if (typeof value === 'string') return {index, name: checkName(value, line), groups: []}
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(line(), 'each entry must be an account name or an object {name, groups}')
  }

  const entry = value as Record<string, unknown>
  for (const key of Object.keys(entry)) {
    if (!ALLOWED_KEYS.has(key)) fail(line(), `unknown key '${preview(key)}' (allowed: name, groups)`)
  }

  if (typeof entry.name !== 'string') fail(line(), "'name' must be a string")
  let groups: string[] = []
  if (entry.groups !== undefined && entry.groups !== null) {
    if (!Array.isArray(entry.groups) || entry.groups.some((g) => typeof g !== 'string')) {
      fail(line(), "'groups' must be a list of group names")
    }

    groups = entry.groups as string[]
  }

  return {index, name: checkName(entry.name, line), groups}
}

function checkName(name: string, line: () => number): string {
  if (name.length === 0) fail(line(), 'an account name cannot be empty')
  if (name.length > MAX_ACCOUNT_NAME_LENGTH && [...name].length > MAX_ACCOUNT_NAME_LENGTH) {
    fail(line(), `an account name has at most ${MAX_ACCOUNT_NAME_LENGTH} characters`)
  }

  return name
}

/** JSON Lines: one object (or name string) per line; blank lines are skipped. */
export function parseJsonl(text: string): ImportSource {
  const records: ImportRecord[] = []
  const lines: number[] = []
  let line = 0
  for (const raw of text.split('\n')) {
    line++
    if (raw.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (error) {
      fail(line, `not valid JSON: ${(error as Error).message}`)
    }

    const at = line
    records.push(toRecord(value, records.length, () => at))
    lines.push(line)
  }

  return {records, lineOf: (index) => lines[index]}
}

/**
 * A YAML list of names or `{name, groups}` objects, read with the failsafe schema so that every scalar is a string
 * (an account named 2026-01-01 or 0123 stays that name). js-yaml reads valid input about ten times faster than
 * `yaml`, which matters at 100,000 accounts; only when something is wrong is the text parsed again with `yaml`
 * as a document, to name the line (and column, for syntax errors) the same way the policy parser does.
 */
export function parseYamlList(text: string): ImportSource {
  let value: unknown
  try {
    value = loadYaml(text, {schema: FAILSAFE_SCHEMA})
  } catch {
    return parseYamlDocument(text)
  }

  if (value === null || value === undefined) return {records: [], lineOf: () => 1}
  if (!Array.isArray(value)) return parseYamlDocument(text)
  let lines: number[] | undefined
  const lineOf = (index: number): number => {
    lines ??= yamlItemLines(text)
    return lines[index] ?? 1
  }

  return {records: value.map((item, index) => toRecord(item, index, () => lineOf(index))), lineOf}
}

function yamlItemLines(text: string): number[] {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, schema: 'failsafe'})
  return isSeq(doc.contents) ? doc.contents.items.map((item) => lineCounter.linePos(item.range?.[0] ?? 0).line) : []
}

/** The slow path: a document with positions, so every error can say where it is. */
function parseYamlDocument(text: string): ImportSource {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, {lineCounter, uniqueKeys: true, schema: 'failsafe'})
  const syntax = doc.errors[0]
  if (syntax) {
    const at = syntax.linePos?.[0]
    throw new UsageError(`YAML error${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${syntax.message.split('\n')[0]}`)
  }

  const root = doc.contents
  if (root === null) return {records: [], lineOf: () => 1}
  if (!isSeq(root)) fail(lineCounter.linePos(root.range?.[0] ?? 0).line, 'the file must be a YAML list of accounts')
  const lines = root.items.map((item) => lineCounter.linePos(item.range?.[0] ?? 0).line)
  const records = root.items.map((item, index) => {
    if (isScalar(item) || isMap(item)) return toRecord(readNode(item, lines[index]), index, () => lines[index])
    return fail(lines[index], 'each entry must be an account name or an object {name, groups}')
  })
  return {records, lineOf: (index) => lines[index]}
}

/** Picks the format from an explicit choice, the file's extension, or the first character of the content. */
export function detectFormat(text: string, fileName?: string, explicit?: ImportFormat): ImportFormat {
  if (explicit) return explicit
  if (fileName && /\.(jsonl|ndjson)$/i.test(fileName)) return 'jsonl'
  if (fileName && /\.ya?ml$/i.test(fileName)) return 'yaml'
  return text.trimStart().startsWith('{') ? 'jsonl' : 'yaml'
}

export function parseImport(text: string, format: ImportFormat): ImportSource {
  return format === 'jsonl' ? parseJsonl(text) : parseYamlList(text)
}

function readNode(node: {toJSON: () => unknown}, line: number): unknown {
  try {
    return node.toJSON()
  } catch (error) {
    return fail(line, (error as Error).message.split('\n')[0])
  }
}
