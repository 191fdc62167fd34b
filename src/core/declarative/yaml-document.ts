import {FAILSAFE_SCHEMA, loadAll as loadAllYaml, YAMLException} from 'js-yaml'
import {isMap, isNode, isPair, isScalar, LineCounter, parseAllDocuments} from 'yaml'

import {UsageError} from '../../errors.js'
import {preview} from '../text.js'

/**
 * The YAML reader of the documents a user writes (`apply -f`, `diff -f`, and any other YAML document of the same
 * kind), with the project's rules, whatever the document means:
 *
 * - the failsafe schema: every scalar is the string written (an id of digits, a name like a date, `true` stay
 *   strings); mappings are plain objects, sequences arrays, an empty document null; a tag other than the
 *   failsafe ones (`!!str`, `!!seq`, `!!map`), such as `!foo` or `!!int`, is a syntax error;
 * - anchors and aliases refused (an unresolved alias is one too): nothing can expand, each object is written out;
 * - nesting capped at MAX_DEPTH, so a `[[[[...` bomb stops before it exhausts the stack;
 * - every problem a DocumentError (exit 2) that says where: `SOURCE is not valid YAML at line L, column C: ...`, or
 *   `line L of SOURCE: ...`.
 *
 * The size of the text is capped where it is read (src/cli/input.ts, INPUT_LIMITS.document): read documents with
 * readAllText and that cap, as src/cli/document-input.ts does.
 *
 * Values are read by js-yaml, which reads valid documents about ten times faster than `yaml` (an `apply` of 22,000
 * objects: 60 ms against 1 s); where a node is, is found by parsing the text again with `yaml`, which keeps every
 * node's position, and only on the first question, which for a valid document usually never comes.
 */

/** Deeper than any valid document (5 levels); a `[[[[...` bomb stops here instead of exhausting the stack. */
export const MAX_DEPTH = 16

/** Where a value sits in a stream: the document's index, then keys and list indexes. */
export type DocPath = ReadonlyArray<string | number>

/** Where a node starts in the text: 1-based, as editors count. */
export interface YamlPosition {
  line: number
  column: number
}

/** A problem in a document the user gave: a UsageError (exit 2) whose message says where. */
export class DocumentError extends UsageError {}

/** The documents of a YAML stream, and the way back from a path to where its node is written. */
export interface YamlStream {
  /** One value per YAML document of the stream (none for an empty text). */
  documents: unknown[]
  /**
   * Where the node at `path` starts: for a mapping's key, where its value starts (a block value: on the line after
   * the key). For a path that goes further than the document, the deepest node of it that exists: a missing key is
   * placed at the object that lacks it. Undefined when the path's document does not exist. With `atKey`, a
   * mapping's key is placed at the key itself (an unknown key is best shown where it is written).
   */
  positionOf: (path: DocPath, options?: {atKey?: boolean}) => YamlPosition | undefined
}

/** One YAML document and the way back from a path (keys and list indexes, no document index) to its node. */
export interface YamlDocument {
  value: unknown
  positionOf: (path: DocPath, options?: {atKey?: boolean}) => YamlPosition | undefined
}

class AnchorRefused extends Error {
  constructor(readonly line: number) {
    super('anchor')
  }
}

class TooDeep extends Error {
  constructor(readonly line: number) {
    super('too deep')
  }
}

/** Reads a stream of one or more YAML documents (or JSON) with the rules above; `source` names it in messages. */
export function readYamlStream(text: string, source: string): YamlStream {
  return {documents: loadDocuments(text, source), positionOf: positionFinder(text)}
}

/**
 * Reads exactly one YAML document (or JSON) with the rules above: a second document in the text (after a `---`) is
 * refused at its line. An empty text is one document whose value is null.
 */
export function readYamlDocument(text: string, source: string): YamlDocument {
  const {documents, positionOf} = readYamlStream(text, source)
  if (documents.length > 1) {
    const line = positionOf([1])?.line
    throw new DocumentError(`${line === undefined ? '' : `line ${line} of `}${source}: one YAML document is expected; remove the --- line and what follows it`)
  }

  return {value: documents[0] ?? null, positionOf: (path, options) => positionOf([0, ...path], options)}
}

function loadDocuments(text: string, source: string): unknown[] {
  const documents: unknown[] = []
  let depth = 0
  try {
    loadAllYaml(text, (document) => documents.push(document), {
      schema: FAILSAFE_SCHEMA,
      filename: source,
      listener(event, state) {
        const {anchor, line} = state as unknown as {anchor: string | null; line: number}
        if (event === 'open' && ++depth > MAX_DEPTH) throw new TooDeep(line + 1)
        if (event === 'close') {
          depth--
          if (anchor !== null) throw new AnchorRefused(line + 1)
        }
      },
    })
  } catch (error) {
    if (error instanceof AnchorRefused) throw new DocumentError(`line ${error.line} of ${source}: anchors and aliases (&name, *name) are not accepted: write each object out`)
    if (error instanceof TooDeep) throw new DocumentError(`line ${error.line} of ${source}: nested deeper than ${MAX_DEPTH} levels`)
    if (error instanceof YAMLException) {
      const where = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : ''
      throw new DocumentError(`${source} is not valid YAML${where}: ${preview(error.reason ?? error.message, 200)}`)
    }

    if (error instanceof RangeError) throw new DocumentError(`${source} is nested too deeply to read`)
    throw error
  }

  return documents
}

/** The positions of a text's nodes, by `yaml`, which keeps them; parsed once, on the first question. */
type PositionOf = YamlStream['positionOf']

function positionFinder(text: string): PositionOf {
  let positionOf: PositionOf | undefined
  return (path, options) => {
    positionOf ??= positions(text)
    return positionOf(path, options)
  }
}

function positions(text: string): PositionOf {
  const lineCounter = new LineCounter()
  const parsed = parseAllDocuments(text, {lineCounter, schema: 'failsafe', logLevel: 'silent', uniqueKeys: true})
  const docs = Array.isArray(parsed) ? parsed : []
  const at = (offset: number): YamlPosition => {
    const {line, col} = lineCounter.linePos(offset)
    return {line, column: col}
  }

  return (path, options) => {
    const doc = docs[path[0] as number]
    if (!doc) return undefined
    const parent = options?.atKey ? (doc.getIn(path.slice(1, -1), true) as unknown) : undefined
    if (isMap(parent)) {
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path.at(-1))
      if (isNode(pair?.key) && pair.key.range) return at(pair.key.range[0])
    }

    // The deepest node of the path that exists: a missing key is reported at the object that lacks it.
    for (let length = path.length; length >= 1; length--) {
      const node = doc.getIn(path.slice(1, length), true) as unknown
      if (node === undefined) continue
      const target = isPair(node) ? node.key : node
      if (isNode(target) && target.range) return at(target.range[0])
      if (length === 1 && doc.contents?.range) return at(doc.contents.range[0])
    }

    return undefined
  }
}
