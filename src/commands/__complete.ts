import {Args} from '@oclif/core'

import {AccessctlCommand} from '../cli/base-command.js'
import {commandTreeOf, credentialFlags, withoutTilde} from '../cli/completion.js'
import {Document} from '../cli/output.js'
import {type Candidate, completionFor, completionText, offered} from '../core/completion.js'
import {SHELLS} from '../core/completion-scripts.js'
import {completeNames} from '../domain/completion.js'

export interface CompleteResult {
  /** `files`: the shell completes file names itself; `words`: the candidates. */
  directive: 'files' | 'words'
  candidates: Candidate[]
}

export default class Complete extends AccessctlCommand {
  static override hidden = true
  static override strict = false
  static override neverWrites = true
  static override summary = 'Completion candidates for the words typed so far (what the completion scripts ask).'
  static override description = `Takes the shell, then after -- the words typed after the program's name, the last being the word under the cursor (empty for a new word). Prints :files or :words, then one candidate a line (for zsh: the candidate, a tab and its description), at most 1,000. Never prompts, never prints an error, never writes or creates the store; names come from the store and credential in the typed words or the environment, as for the command being typed.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> bash -- service get ""',
    '<%= config.bin %> <%= command.id %> zsh -- infra create qa --stage P',
  ]

  static override args = {
    shell: Args.string({description: 'bash or zsh.', options: [...SHELLS], required: true}),
  }

  async run(): Promise<CompleteResult> {
    let result: CompleteResult = {directive: 'words', candidates: []}
    let shell = 'bash'
    try {
      // The typed words are taken as they are, after the first --: none of them is a flag of __complete.
      // Copied before parse, which takes the -- out of this.argv.
      const given = [...this.argv]
      const end = given.indexOf('--')
      const {args, flags} = await this.parse(Complete, end === -1 ? given : given.slice(0, end))
      shell = args.shell
      const found = await this.complete(end === -1 ? [] : given.slice(end + 1), flags)
      result = {...found, candidates: offered(found.candidates)}
    } catch {
      // Completion is asked at every TAB: an error printed there would land in the middle of the typed line.
    }

    const completion = result.directive === 'files' ? ({kind: 'files'} as const) : ({kind: 'words', candidates: result.candidates} as const)
    this.printDocument(Document.shell(completionText(completion, shell === 'zsh')))
    return result
  }

  private async complete(typed: string[], flags: {store?: string; token?: string; 'admin-key'?: string}): Promise<CompleteResult> {
    if (typed.length === 0) return {directive: 'words', candidates: []}
    const {completion, flags: typedFlags} = completionFor(commandTreeOf(this.config), typed.slice(0, -1), typed.at(-1)!)
    switch (completion.kind) {
      case 'files': {
        return {directive: 'files', candidates: []}
      }

      case 'words': {
        return {directive: 'words', candidates: completion.candidates}
      }

      case 'names': {
        const ctx = await this.context({...flags, ...withoutTilde(credentialFlags(typedFlags), process.env)})
        const names = completeNames(ctx, completion.of, completion.prefix, completion.namesOnly)
        return {directive: 'words', candidates: names.map((name) => ({...name, value: `${completion.before}${name.value}`}))}
      }

      default: {
        return {directive: 'words', candidates: []}
      }
    }
  }
}
