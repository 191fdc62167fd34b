import {Flags} from '@oclif/core'

import {AccessctlCommand} from '../cli/base-command.js'
import {Document} from '../cli/output.js'
import {KINDS} from '../core/declarative/document.js'
import {documentYaml, exportDocument} from '../core/declarative/export.js'
import {exportState} from '../domain/declarative/declared-state.js'

/** The document as plain data, keys in a fixed order: the same as the YAML text. */
export type ExportResult = ReturnType<typeof exportDocument>

export default class Export extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Print the store as a document that apply takes: groups, accounts, services, infrastructures, deployments.'
  static override description = `The current state in the format of 'apply', in a stable order, so that applying an export to an empty store and exporting again gives the same text, and applying it to its own store changes nothing. Shows only what the caller may see; groups and accounts only to a global administrator. Never a secret. --json prints the same document as JSON.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> > access.yaml',
    '<%= config.bin %> <%= command.id %> --kind services --kind deployments',
  ]

  static override flags = {
    kind: Flags.option({description: 'Only this kind (repeatable); all kinds by default.', options: KINDS, multiple: true})(),
  }

  async run(): Promise<ExportResult> {
    const {flags} = await this.parse(Export)
    const ctx = await this.context(flags)
    const document = exportDocument(exportState(ctx, flags.kind))
    this.printDocument(Document.yaml(documentYaml(document)))
    return document
  }
}
