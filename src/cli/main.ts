import {Config, flush, handle, type Interfaces, run} from '@oclif/core'

import {preview} from '../core/text.js'
import {type AccessctlError, UsageError} from '../errors.js'
import {writeError} from './output.js'

/**
 * Runs accessctl as oclif's `execute` does, with one difference: when the words do not name a command, because
 * one is unknown or because a command that takes no arguments got one (`store check foo`: with topics separated by
 * spaces, oclif reads it as a command `store check foo`), the error is accessctl's: a usage error (exit 2) that
 * says which word is wrong, printed as every other error is, so `--json` gets `{"error": ...}` on stdout.
 */
export async function execute(argv: string[], loadOptions: Interfaces.LoadOptions): Promise<void> {
  try {
    await run(argv, loadOptions)
    await flush()
  } catch (error) {
    if (error instanceof Error && /^command \S+ not found$/.test(error.message)) {
      // Only on this error path is the config loaded a second time, to name the command the words begin with.
      const config = await Config.load(loadOptions)
      const usage = unknownCommandError(argv, config.commandIDs, config.topics.map((topic) => topic.name), config.bin)
      process.exitCode = usage.exitCode
      writeError(usage, wantsJson(argv))
      return
    }

    await handle(error as Error)
  }
}

/** `--json` before a `--`, as oclif's own jsonEnabled reads it. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json')
}

/** The error for words that name no command: an argument too many, or an unknown command (in a known topic). */
export function unknownCommandError(argv: string[], commandIds: readonly string[], topics: readonly string[], bin: string): AccessctlError {
  const end = argv.findIndex((arg) => arg.startsWith('-'))
  const words = end === -1 ? argv : argv.slice(0, end)
  const quote = (word: string) => `'${preview(word, 100)}'`
  for (let length = words.length - 1; length > 0; length--) {
    const id = words.slice(0, length).join(':')
    if (commandIds.includes(id)) {
      const extra = words.slice(length)
      const command = words.slice(0, length).join(' ')
      return new UsageError(`unexpected argument${extra.length === 1 ? '' : 's'} for '${command}': ${extra.map(quote).join(', ')}`, {
        hint: `${command} takes no such argument: see ${bin} ${command} --help.`,
      })
    }

    if (topics.includes(id)) {
      const topic = words.slice(0, length).join(' ')
      return new UsageError(`unknown command: ${quote(words.join(' '))}`, {hint: `See ${bin} ${topic} --help for the commands of ${topic}.`})
    }
  }

  return new UsageError(`unknown command: ${quote(words.join(' ') || argv[0] || '')}`, {hint: `See ${bin} --help for the commands.`})
}
