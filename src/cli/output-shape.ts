import {Flags} from '@oclif/core'
import type {JSONValue} from 'json-p3'

import {type OutputShape, parseOutputShape} from '../core/output-shape.js'
import {escapeControl, jsonText} from '../core/text.js'
import type {PageOf} from '../domain/context.js'
import {UsageError} from '../errors.js'
import {type Column, Document, type FieldValue, Rendered, renderFields} from './output.js'
import {renderPage} from './page.js'

/**
 * `-o/--output` as kubectl has it, for every get and list: each command hands its result, the identifiers `-o name`
 * prints and its human output (wide or not) to printInShape, and nothing else about shapes lives in the commands.
 * json-p3 and the YAML writer are imported only when their shape is asked for: every list and get loads this file.
 */

export type {OutputShape} from '../core/output-shape.js'

export const outputFlag = {
  output: Flags.custom<OutputShape>({
    char: 'o',
    helpValue: 'json|yaml|name|wide|jsonpath=EXPR',
    description:
      "The output shape: json (as --json), yaml (the same document as YAML), name (one identifier a line, the one get takes), wide (the table with more columns), or jsonpath=EXPR (each value an RFC 9535 expression picks from the --json document, one a line; kubectl's braced {.items[*].id} is taken too; at most 1000 characters).",
    parse: async (input: string) => {
      const shape = parseOutputShape(input)
      // Compiled here, while flags are parsed, so that a mistyped expression is refused before the store is opened.
      if (shape.kind === 'jsonpath') await compileJsonPath(shape.expression)
      return shape
    },
  })(),
}

/** What a command shows in each shape besides its --json document. */
export interface ShapeViews {
  /** The human output; `wide` with the extra columns or fields; `headers` false for --no-headers (tables only). */
  human: (wide: boolean, headers: boolean) => Rendered | string | undefined
  /** The identifiers `-o name` prints: the ones the matching get (or delete) takes. */
  names: () => readonly string[]
}

/** The views of a page of a list: its table, the wide table with `wide` columns added, one name per row. */
export function pageViews<T>(
  page: PageOf<T>,
  table: {columns: ReadonlyArray<Column<T>>; wide?: ReadonlyArray<Column<T>>; name: (item: T) => string},
): ShapeViews {
  return {
    human: (wide, headers) => renderPage(page, wide ? [...table.columns, ...(table.wide ?? [])] : table.columns, {headers}),
    names: () => page.items.map(table.name),
  }
}

/** Undefined unless `value` is what the output flag parsed: another command's `output` flag is no shape. */
export function asOutputShape(value: unknown): OutputShape | undefined {
  return typeof value === 'object' && value !== null && 'kind' in value ? (value as OutputShape) : undefined
}

/** `--json -o yaml` asks for two documents: refused. `--json -o json` asks twice for one. */
export function checkShapeWithJsonFlag(shape: OutputShape | undefined, jsonFlag: boolean): void {
  if (shape && jsonFlag && shape.kind !== 'json') {
    throw new UsageError(`--json and -o ${shape.kind} ask for two different outputs`, {hint: `Give one of them: --json is -o json.`})
  }
}

/**
 * Whether the words on the command line ask for `-o json`, for an error raised before the flags were parsed: it is
 * answered with the error document, as under --json. Only the plain spellings oclif takes are read.
 */
export function argvAsksJsonShape(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  const words = end === -1 ? argv : argv.slice(0, end)
  return words.some((word, i) => word === '-ojson' || word === '--output=json' || ((word === '-o' || word === '--output') && words[i + 1] === 'json'))
}

/**
 * Prints `result` in `shape`. Nothing for json: oclif prints the command's result as the --json document (same bytes),
 * because the base command reports JSON enabled for it. `say` prints human output (escaped, as every table is).
 */
export async function printInShape(
  result: unknown,
  shape: OutputShape | undefined,
  views: ShapeViews,
  say: (text: Rendered | string | undefined) => void,
  headers = true,
): Promise<void> {
  switch (shape?.kind) {
    case undefined:
    case 'wide': {
      say(views.human(shape?.kind === 'wide', headers))
      return
    }

    case 'json': {
      return
    }

    case 'yaml': {
      const {yamlText} = await import('../core/yaml-text.js')
      Document.yaml(yamlText(asJsonDocument(result))).writeTo(process.stdout)
      return
    }

    case 'name': {
      say(new Rendered(views.names().map((name) => escapeControl(name)).join('\n')))
      return
    }

    case 'jsonpath': {
      const path = await compileJsonPath(shape.expression)
      const values = path.query(asJsonDocument(result) as JSONValue).values()
      say(new Rendered(values.map((value) => (typeof value === 'string' ? escapeControl(value) : jsonText(value))).join('\n')))
    }
  }
}

/** The value as the --json document has it: what toJSON, undefined members and the like become. */
function asJsonDocument(result: unknown): unknown {
  return JSON.parse(jsonText(result)) as unknown
}

async function compileJsonPath(expression: string) {
  const {jsonpath, JSONPathError} = await import('json-p3')
  try {
    return jsonpath.compile(expression)
  } catch (error) {
    if (error instanceof JSONPathError) {
      throw new UsageError(`invalid JSONPath expression: ${escapeControl(error.message)}`, {
        hint: "An expression starts with $ (RFC 9535), e.g. -o jsonpath='$.items[*].id'.",
      })
    }

    throw error
  }
}

/** A get's fields with more fields after them, for -o wide (none: the fields as they are). */
export function withFields(fields: Rendered, more: ReadonlyArray<readonly [string, FieldValue]>): Rendered {
  return more.length === 0 ? fields : new Rendered(`${fields.text}\n${renderFields(more).text}`)
}
