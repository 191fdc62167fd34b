import {CAN_I_ACTIONS, CREATABLE_KINDS_OFFERED, TARGET_KIND_WORDS, TARGET_KINDS_OFFERED} from './can-i-words.js'
import {FUNCTIONS, RESOURCES} from './grants.js'
import {INFRA_STAGES} from './deployer.js'
import {ROLES} from './roles.js'
import {escapeControl} from './text.js'

/**
 * What shell completion offers for the words typed so far: the pure part of `accessctl __complete`. It reads the
 * command tree (the oclif manifest's ids, flags and args, and the topics of package.json) and decides whether the
 * word under the cursor is a command word, a flag, a flag's value or an argument, and what kind of value that is.
 * Names from the store (services, infrastructures, ...) are only named here as a kind: the domain lists them, for
 * the caller the typed words resolve to.
 */

export type NameKind = 'service' | 'infrastructure' | 'deployment' | 'group' | 'account'

export interface FlagSpec {
  name: string
  char?: string
  aliases?: string[]
  /** An option flag takes a value; a boolean flag does not. */
  type: 'boolean' | 'option'
  options?: readonly string[]
  multiple?: boolean
  hidden?: boolean
  summary?: string
  description?: string
}

export interface ArgSpec {
  name: string
  options?: readonly string[]
}

export interface CommandSpec {
  id: string
  hidden?: boolean
  summary?: string
  description?: string
  flags: Record<string, FlagSpec>
  args: Record<string, ArgSpec>
}

export interface CommandTree {
  commands: Record<string, CommandSpec>
  /** Topic descriptions by oclif id (`service:permissions`). */
  topics: Record<string, {description?: string}>
}

export interface Candidate {
  value: string
  description?: string
}

/** What the word under the cursor is to be completed with. */
export type Completion =
  | {kind: 'words'; candidates: Candidate[]}
  | {kind: 'names'; of: NameKind; prefix: string; namesOnly: boolean; before: string}
  | {kind: 'files'}
  | {kind: 'none'}

export interface CompletionRequest {
  completion: Completion
  /** The values of the flags typed so far, by long name (the last one given): --store, --token, --admin-key. */
  flags: Record<string, string>
}

/** At most this many candidates are printed: a shell shows no more than a screen of them anyway. */
export const MAX_CANDIDATES = 1000

/** A candidate longer than this is left out: no name is (account names have at most 254 characters). */
const MAX_CANDIDATE_LENGTH = 300

/** No line is this long by hand: a pasted megabyte is not walked through the tree. */
const MAX_WORDS = 200
const MAX_WORD_LENGTH = 4096

/** Commands that make a new object: their id or name argument names something that does not exist yet. */
const CREATES_NAMED = new Set(['service:create', 'infra:create', 'groups:create'])

/** The kind of object each topic's `id` / `name` argument names. */
const TOPIC_ARGUMENT: Readonly<Record<string, NameKind>> = {
  service: 'service',
  infra: 'infrastructure',
  deployment: 'deployment',
  groups: 'group',
}

/** Flags whose value is an existing object, wherever they appear. */
const FLAG_NAMES: Readonly<Record<string, NameKind>> = {
  service: 'service',
  infra: 'infrastructure',
  group: 'group',
  owner: 'account',
  'transfer-to': 'account',
  as: 'account',
  account: 'account',
}

/** Flags whose value is a file (to read or to write). */
const FILE_FLAGS = new Set(['file', 'config', 'junit', 'state', 'store'])
const FILE_ARGS = new Set(['file', 'dest'])

/** Values that are fixed but not declared as oclif options (they are checked case-insensitively, or per item). */
const FIXED_VALUES: Readonly<Record<string, readonly string[]>> = {
  stage: INFRA_STAGES,
  function: FUNCTIONS,
  resource: RESOURCES,
  role: ROLES.map((role) => role.name),
}

/** Flags that take a comma-separated list (`-r datasets,models`): each item is completed, after the last comma. */
const LIST_FLAGS = new Set(['tokens:create:function', 'tokens:create:resource', 'tokens:create:account', 'groups:add-member:id', 'groups:remove-member:id'])

/** The commands whose arguments are a question, `ACTION TARGET`, in can-i's words (src/core/can-i-words.ts). */
const QUESTION_COMMANDS = new Set(['auth:can-i', 'auth:who-can'])

type ValueKind =
  | {kind: 'options'; values: readonly string[]}
  | {kind: 'names'; of: NameKind; namesOnly: boolean}
  | {kind: 'files'}
  | {kind: 'none'}
  | {kind: 'target'; creating: boolean}

function flagValueKind(commandId: string, flag: FlagSpec): ValueKind {
  if (flag.options && flag.options.length > 0) return {kind: 'options', values: flag.options}
  const fixed = FIXED_VALUES[flag.name]
  if (fixed) return {kind: 'options', values: fixed}
  if (FILE_FLAGS.has(flag.name)) return {kind: 'files'}
  const named = FLAG_NAMES[flag.name]
  if (named) return {kind: 'names', of: named, namesOnly: false}
  const topic = commandId.split(':')[0]
  // -i is the account (by id or name) in these topics; elsewhere --id is a new deployment's id.
  if (flag.name === 'id' && ['accounts', 'groups', 'tokens'].includes(topic)) return {kind: 'names', of: 'account', namesOnly: false}
  if (flag.name === 'name' && commandId === 'accounts:get') return {kind: 'names', of: 'account', namesOnly: true}
  return {kind: 'none'}
}

function argValueKind(commandId: string, arg: ArgSpec, given: readonly string[]): ValueKind {
  if (arg.options && arg.options.length > 0) return {kind: 'options', values: arg.options}
  if (QUESTION_COMMANDS.has(commandId) && arg.name === 'action') return {kind: 'options', values: CAN_I_ACTIONS}
  if (QUESTION_COMMANDS.has(commandId) && arg.name === 'target') return {kind: 'target', creating: given[0] === 'create'}
  if (FILE_ARGS.has(arg.name)) return {kind: 'files'}
  if (CREATES_NAMED.has(commandId) || !['id', 'name'].includes(arg.name)) return {kind: 'none'}
  const named = TOPIC_ARGUMENT[commandId.split(':')[0]]
  return named ? {kind: 'names', of: named, namesOnly: true} : {kind: 'none'}
}

/** The flags every command takes besides its own (oclif's --help, and --json where the command has it). */
const HELP_FLAG: FlagSpec = {name: 'help', char: 'h', type: 'boolean', summary: 'Show help.'}
const JSON_FLAG: FlagSpec = {name: 'json', type: 'boolean', summary: 'Print the result as JSON.'}

/**
 * What to complete for `current`, the word under the cursor, after `words` (the words typed before it, without
 * the program's name). Bash splits `--stage=Pro` into `--stage`, `=` and `Pro`: a lone `=` word after a flag makes
 * `current` that flag's value, as `--stage Pro` does. In zsh the word stays whole and the candidates keep the
 * `--stage=` they complete.
 */
export function completionFor(tree: CommandTree, typedWords: readonly string[], typedCurrent: string): CompletionRequest {
  const flags: Record<string, string> = {}
  if (typedWords.length > MAX_WORDS) return {completion: {kind: 'none'}, flags}
  const words = typedWords.map((word) => word.slice(0, MAX_WORD_LENGTH))
  const current = typedCurrent.slice(0, MAX_WORD_LENGTH)
  const visible = Object.values(tree.commands).filter((command) => !command.hidden)

  // The command: words that extend a known topic or command id, up to the first flag (as oclif reads them).
  const path: string[] = []
  let index = 0
  for (; index < words.length; index++) {
    const next = [...path, words[index]].join(':')
    if (words[index].startsWith('-') || !isPrefixOfId(visible, next)) break
    path.push(words[index])
  }

  const command = tree.commands[path.join(':')]
  if (!command || command.hidden) {
    // Still choosing a command, or the words name none (then nothing is offered).
    if (index < words.length) return {completion: {kind: 'none'}, flags}
    if (current.startsWith('-')) return {completion: words.length === 0 ? matching(['--help', '--version'], current) : {kind: 'none'}, flags}
    return {completion: {kind: 'words', candidates: nextWords(tree, visible, path, current)}, flags}
  }

  const specs = {...command.flags, help: HELP_FLAG, json: command.flags.json ?? JSON_FLAG}
  const byName = (name: string) => Object.values(specs).find((flag) => flag.name === name || flag.aliases?.includes(name))
  const byChar = (char: string) => Object.values(specs).find((flag) => flag.char === char)
  const given = new Set<string>()
  const argumentsGiven: string[] = []
  let pending: FlagSpec | undefined
  let onlyArguments = false
  for (; index < words.length; index++) {
    const word = words[index]
    if (pending) {
      // `--stage = Pro` as bash splits `--stage=Pro`: the `=` is no value of its own.
      if (word === '=' && !(pending.name in flags)) continue
      flags[pending.name] = word
      pending = undefined
      continue
    }

    if (onlyArguments || word === '-' || !word.startsWith('-')) {
      argumentsGiven.push(word)
      continue
    }

    if (word === '--') {
      onlyArguments = true
      continue
    }

    const [spelled, inline] = splitInline(word)
    const flag = spelled.startsWith('--') ? byName(spelled.slice(2)) : byChar(spelled.slice(1, 2))
    if (!flag) continue
    given.add(flag.name)
    if (flag.type !== 'option') continue
    // `-fFILE` and `--file=FILE` carry their value; `-f FILE` and `--file FILE` take the next word.
    const attached = spelled.startsWith('--') ? inline : word.length > 2 ? word.slice(2).replace(/^=/, '') : undefined
    if (attached === undefined) pending = flag
    else flags[flag.name] = attached
  }

  const isList = (flag: FlagSpec) => LIST_FLAGS.has(`${command.id}:${flag.name}`)
  if (pending) return {completion: valueCompletion(flagValueKind(command.id, pending), current, '', isList(pending)), flags}
  if (!onlyArguments && current.startsWith('--') && current.includes('=')) {
    const [spelled, inline] = splitInline(current)
    const flag = byName(spelled.slice(2))
    const kind = flag && flag.type === 'option' ? flagValueKind(command.id, flag) : {kind: 'none' as const}
    return {completion: valueCompletion(kind, inline ?? '', `${spelled}=`, flag !== undefined && isList(flag)), flags}
  }

  if (!onlyArguments && current.startsWith('-')) {
    const offered = Object.values(specs).filter((flag) => !flag.hidden && (flag.multiple || !given.has(flag.name)))
    const candidates = offered
      .map((flag) => ({value: `--${flag.name}`, description: firstSentence(flag.summary ?? flag.description)}))
      .filter((candidate) => candidate.value.startsWith(current))
    return {completion: {kind: 'words', candidates}, flags}
  }

  const arg = Object.values(command.args)[argumentsGiven.length]
  // A command that is also a topic (`autocomplete`, `autocomplete script`) offers its subcommands with its argument.
  const subcommands = argumentsGiven.length === 0 ? nextWords(tree, visible, path, current) : []
  const forArgument = arg ? valueCompletion(argValueKind(command.id, arg, argumentsGiven), current, '', false) : ({kind: 'none'} as const)
  if (subcommands.length === 0) return {completion: forArgument, flags}
  const words2 = forArgument.kind === 'words' ? forArgument.candidates : []
  return {completion: {kind: 'words', candidates: [...subcommands, ...words2]}, flags}
}

function splitInline(word: string): [string, string | undefined] {
  const equals = word.indexOf('=')
  return equals === -1 ? [word, undefined] : [word.slice(0, equals), word.slice(equals + 1)]
}

function isPrefixOfId(commands: readonly CommandSpec[], id: string): boolean {
  return commands.some((command) => command.id === id || command.id.startsWith(`${id}:`))
}

/** The words that may follow `path` towards a visible command: subtopics and commands, with their descriptions. */
function nextWords(tree: CommandTree, visible: readonly CommandSpec[], path: readonly string[], current: string): Candidate[] {
  const prefix = path.length === 0 ? '' : `${path.join(':')}:`
  const found = new Map<string, Candidate>()
  for (const command of visible) {
    if (!command.id.startsWith(prefix)) continue
    const word = command.id.slice(prefix.length).split(':')[0]
    if (!word.startsWith(current) || found.has(word)) continue
    const id = `${prefix}${word}`
    const described = tree.commands[id]?.summary ?? tree.topics[id]?.description
    found.set(word, {value: word, description: firstSentence(described)})
  }

  return [...found.values()].sort((a, b) => a.value.localeCompare(b.value))
}

/**
 * The candidates for a value: `before` is kept in front of each (zsh's `--stage=`). In a comma list only the item
 * after the last comma is completed, the items before it kept, and an option already listed is not offered again.
 */
function valueCompletion(kind: ValueKind, typed: string, typedBefore: string, isList: boolean): Completion {
  const comma = isList ? typed.lastIndexOf(',') : -1
  const before = `${typedBefore}${typed.slice(0, comma + 1)}`
  const current = typed.slice(comma + 1)
  switch (kind.kind) {
    case 'options': {
      const listed = new Set(typed.slice(0, comma + 1).split(',').map((item) => item.trim().toLowerCase()))
      return optionCompletion(kind.values.filter((value) => !listed.has(value.toLowerCase())), current, before)
    }

    case 'names': {
      return {kind: 'names', of: kind.of, prefix: current, namesOnly: kind.namesOnly, before}
    }

    case 'target': {
      return targetCompletion(current, before, kind.creating)
    }

    default: {
      return before === '' ? kind : {kind: 'none'}
    }
  }
}

/**
 * A question's target: `service/`, `infra/` or `deployment/` (and `service` or `infra` alone after `create`), then
 * after the slash the ids of that kind the caller may see. A candidate ending in `/` is a beginning: the scripts add
 * no space after it.
 */
function targetCompletion(current: string, before: string, creating: boolean): Completion {
  const slash = current.indexOf('/')
  if (slash === -1) {
    return optionCompletion([...TARGET_KINDS_OFFERED.map((word) => `${word}/`), ...(creating ? CREATABLE_KINDS_OFFERED : [])], current, before)
  }

  // Each kind of target (TargetKind) is also a kind of name.
  const kind = TARGET_KIND_WORDS[current.slice(0, slash)]
  if (!kind) return {kind: 'none'}
  return {kind: 'names', of: kind, prefix: current.slice(slash + 1), namesOnly: true, before: `${before}${current.slice(0, slash + 1)}`}
}

/** The fixed values that fit what was typed (as `matching` chooses them), each after `before`. */
function optionCompletion(values: readonly string[], current: string, before: string): Completion {
  return {kind: 'words', candidates: matching(values, current).candidates.map((candidate) => ({value: `${before}${candidate.value}`}))}
}

/** The fixed values that begin with what was typed; in any case when none does with its case (`prod` → Production). */
function matching(values: readonly string[], current: string): {kind: 'words'; candidates: Candidate[]} {
  const exact = values.filter((value) => value.startsWith(current))
  const chosen = exact.length > 0 ? exact : values.filter((value) => value.toLowerCase().startsWith(current.toLowerCase()))
  return {kind: 'words', candidates: chosen.map((value) => ({value}))}
}

/** A description's first sentence, on one line: what a zsh menu has room for. */
function firstSentence(text: string | undefined): string | undefined {
  if (!text) return undefined
  const line = text.replaceAll(/\s+/g, ' ').trim()
  const end = line.search(/\.(\s|$)/)
  const sentence = end === -1 ? line : line.slice(0, end)
  return sentence.length > 80 ? `${sentence.slice(0, 79)}…` : sentence
}

/**
 * A name is offered only when the shell can take it as one word through its quoting: never with a control or
 * invisible character (escapeControl would change it), never empty or huge. The scripts quote every candidate
 * (bash's `printf %q`, zsh's compadd), so `$(...)`, quotes and spaces arrive as typed text, never as syntax.
 */
export function isOfferable(value: string): boolean {
  return value.length > 0 && value.length <= MAX_CANDIDATE_LENGTH && escapeControl(value) === value
}

/** A glob (SQLite GLOB, as the lists' --name takes) that matches the names beginning with `prefix`, literally. */
export function prefixGlob(prefix: string): string {
  return `${prefix.replaceAll(/[*?[]/g, '[$&]')}*`
}

declare const completionLines: unique symbol
/** The text `__complete` prints: built only by completionText, so every line was checked. */
export type CompletionText = string & {[completionLines]: true}

/**
 * The protocol between the scripts and `__complete`: the first line is `:files` (let the shell complete file
 * names) or `:words`; then one candidate a line, `VALUE` or, for zsh, `VALUE<TAB>DESCRIPTION`. At most
 * MAX_CANDIDATES, each offerable; descriptions are escaped.
 */
export function completionText(completion: {kind: 'files'} | {kind: 'words'; candidates: readonly Candidate[]}, withDescriptions: boolean): CompletionText {
  if (completion.kind === 'files') return ':files\n' as CompletionText
  const lines = offered(completion.candidates).map(({value, description}) => (withDescriptions && description ? `${value}\t${description}` : value))
  return `${[':words', ...lines].join('\n')}\n` as CompletionText
}

/** The candidates a shell is given (and --json shows): offerable, each once, at most MAX_CANDIDATES, descriptions escaped. */
export function offered(candidates: readonly Candidate[]): Candidate[] {
  const chosen = new Map<string, Candidate>()
  for (const {value, description} of candidates) {
    if (chosen.size === MAX_CANDIDATES) break
    if (!isOfferable(value) || chosen.has(value)) continue
    chosen.set(value, description ? {value, description: escapeControl(description).slice(0, 200)} : {value})
  }

  return [...chosen.values()]
}
