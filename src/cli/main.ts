import {Config, flush, handle, type Interfaces, run} from '@oclif/core'

import {editDistance as distance} from '../core/suggest.js'
import {preview} from '../core/text.js'
import {type AccessctlError, UsageError} from '../errors.js'
import {aliasTable, canonicalArgv} from './aliases.js'
import {writeError} from './output.js'

/**
 * Runs accessctl as oclif's `execute` does, with one difference: when the words do not name a command, because
 * one is unknown or because a command that takes no arguments got one (`store check foo`: with topics separated by
 * spaces, oclif reads it as a command `store check foo`), the error is accessctl's: a usage error (exit 2) that
 * says which word is wrong and which commands are nearest, printed as every other error is, so `--json` gets
 * `{"error": ...}` on stdout. Aliases (src/cli/aliases.ts) are resolved first.
 */
export async function execute(typed: string[], loadOptions: Interfaces.LoadOptions): Promise<void> {
  const argv = canonicalArgv(typed)
  try {
    await run(argv, loadOptions)
    await flush()
  } catch (error) {
    // oclif says `command X not found` for words, `Command X not found.` for the help of unknown words.
    if (error instanceof Error && /^command \S+ not found\.?$/i.test(error.message)) {
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
      const hint = `See ${bin} ${topic} --help for the commands of ${topic}.`
      return new UsageError(`unknown command: ${quote(words.join(' '))}`, {hint: withSuggestions(hint, words, commandIds, topics, bin)})
    }
  }

  const hint = withSuggestions(`See ${bin} --help for the commands.`, words, commandIds, topics, bin)
  return new UsageError(`unknown command: ${quote(words.join(' ') || argv[0] || '')}`, {hint})
}

function withSuggestions(hint: string, words: string[], commandIds: readonly string[], topics: readonly string[], bin: string): string {
  const nearest = nearestCommands(words, commandIds, topics)
  return nearest.length === 0 ? hint : `Did you mean ${nearest.map((words) => `'${bin} ${words}'`).join(' or ')}? ${hint}`
}

/**
 * The commands and topics nearest to the typed words (as oclif's plugin-not-found finds them, by edit distance),
 * compared with as many typed words as each has, best first, at most three. Aliases count as the names they stand
 * for, so `servce list` finds `service list` and `acount get` finds `accounts get`.
 */
export function nearestCommands(words: readonly string[], commandIds: readonly string[], topics: readonly string[]): string[] {
  if (words.length === 0) return []
  const spelled = [...commandIds, ...topics].map((id) => id.split(':'))
  for (const {alias, canonical} of aliasTable()) {
    for (const id of spelled.filter((parts) => canonical.every((word, index) => parts[index] === word))) {
      spelled.push([...alias, ...id.slice(canonical.length)])
    }
  }

  // What the words already name (the topic of `accounts creat`) is no suggestion.
  const typed = `${canonicalArgv(words).join(' ')} `
  const best = new Map<string, {covered: number; cost: number}>()
  for (const parts of spelled) {
    if (parts.length > words.length) continue
    // Each word close enough to be a typo of the command's word: a third of its length, at least one letter.
    const costs = parts.map((part, index) => distance(words[index], part))
    if (costs.some((cost, index) => cost > Math.max(1, Math.floor(parts[index].length / 3)))) continue
    const cost = costs.reduce((sum, each) => sum + each, 0)
    const name = canonicalArgv(parts).join(' ')
    if (cost === 0 || typed.startsWith(`${name} `) || (best.get(name)?.cost ?? Infinity) <= cost) continue
    best.set(name, {covered: parts.length, cost})
  }

  // The command that explains more of the typed words first: `tokn create` suggests `tokens create` before `tokens`.
  const byCloseness = ([a, x]: [string, {covered: number; cost: number}], [b, y]: [string, {covered: number; cost: number}]) =>
    y.covered - x.covered || x.cost - y.cost || a.localeCompare(b)
  return [...best.entries()].sort(byCloseness).slice(0, 3).map(([name]) => name)
}
