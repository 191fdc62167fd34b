import {Flags} from '@oclif/core'

import {type ParsedDocument, parseDesiredState} from '../core/declarative/parse.js'
import {INPUT_LIMITS, readDocumentInput} from './input.js'

/** `-f FILE` or `-f -` of apply and diff. */
export const documentFlags = {
  file: Flags.string({char: 'f', description: "The document: a YAML or JSON file, or '-' for stdin (a heredoc works).", required: true}),
  prune: Flags.boolean({description: 'Also remove what the store holds of the kinds the document names but the document does not.'}),
}

/** Reads and parses the document, capped like every input: past the cap, or on any problem, exit 2 naming the line. */
export function readDocument(file: string): ParsedDocument {
  return readDocumentInput(file, 'a document', INPUT_LIMITS.document, parseDesiredState)
}
