import {Args, Flags} from '@oclif/core'
import {createHash} from 'node:crypto'

import {AccessctlCommand} from '../../../cli/base-command.js'
import {serviceIdArg} from '../../../cli/deployer-views.js'
import {closeInput, openInput, readChunks} from '../../../cli/input.js'
import {addVersion, type ServiceVersion} from '../../../domain/service-versions.js'

export type ServiceVersionsAddResult = ServiceVersion

export default class ServiceVersionsAdd extends AccessctlCommand {
  static override summary = 'Add a version to an API service.'
  static override description = `Records a new version of the service. With --file, the archive's size and SHA-256 are computed (by streaming it, so large files are fine) and recorded; the archive itself is not stored. Needs write on the service. A version name is 1-64 of A-Z a-z 0-9 . _ + -, starting with a letter or digit.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> churn-model v4',
    '<%= config.bin %> <%= command.id %> churn-model 1.2.0 --file ./churn-model-1.2.0.zip',
  ]

  static override args = {id: serviceIdArg, version: Args.string({description: 'The version name.', required: true})}
  static override flags = {file: Flags.string({description: 'The package archive of this version; its size and SHA-256 are recorded.'})}

  async run(): Promise<ServiceVersionsAddResult> {
    const {args, flags} = await this.parse(ServiceVersionsAdd)
    // Read the archive before touching the store: a missing file changes nothing.
    const archive = flags.file === undefined ? undefined : digestFile(flags.file)
    const version = addVersion(await this.context(flags), args.id, args.version, archive)
    this.say(`added version '${version.version}' to service '${version.service}'${version.sha256 ? ` (${version.size} bytes, sha256 ${version.sha256})` : ''}`)
    return version
  }
}

/**
 * Any size: the archive is hashed as it is read and never held. It must be a regular file, which ends; stdin
 * might not, so `-` is a file of that name here, as it always was.
 */
function digestFile(path: string): {size: number; sha256: string} {
  const input = openInput(path === '-' ? './-' : path, 'the archive')
  try {
    const hash = createHash('sha256')
    let size = 0
    for (const chunk of readChunks(input)) {
      size += chunk.length
      hash.update(chunk)
    }

    return {size, sha256: hash.digest('hex')}
  } finally {
    closeInput(input)
  }
}
