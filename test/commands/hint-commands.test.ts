import {Config} from '@oclif/core'
import {readdirSync, readFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import ts from 'typescript'
import {beforeAll, describe, expect, it} from 'vitest'

import {canonicalArgv} from '../../src/cli/aliases.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

/**
 * Issue 17.12: the hint of a missing store told people to run `accessctl accounts create NAME`, which is a usage
 * error (the name is `-n NAME`). Every command that a string in src/ names (a hint, a message, an example) must be
 * one the CLI takes: each is parsed here by the real command's own parser, with its flags, arguments and
 * constraints, without running it.
 *
 * A mention is `accessctl` followed by a word that is a topic or a command; the command line runs to the end of the
 * string, a closing backtick (when it opened with one), or the first word that is punctuation or a shell operator.
 * Upper-case words (NAME, ID, FILE) and `${...}` are placeholders and parse as a value; `...` stands for more flags
 * and ends the line. Prose ("an accessctl store", "accessctl takes paths literally") names no command: its next word
 * is neither a topic nor a command.
 */

interface Mention {
  where: string
  words: string[]
}

const PLACEHOLDER_VALUE = 'x'
const SHELL_OPERATORS = new Set(['|', '||', '&&', ';', '<', '>', '>>', '2>', '&'])

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, {withFileTypes: true}).flatMap((entry) => {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The text of every string and template literal in a file; `${...}` becomes a placeholder word. */
function literalsOf(file: string): Array<{text: string; line: number}> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found: Array<{text: string; line: number}> = []
  const visit = (node: ts.Node): void => {
    const line = () => source.getLineAndCharacterOfPosition(node.getStart()).line + 1
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      found.push({text: node.text, line: line()})
    } else if (ts.isTemplateExpression(node)) {
      found.push({text: node.head.text + node.templateSpans.map((span) => `\${}${span.literal.text}`).join(''), line: line()})
      for (const span of node.templateSpans) visit(span.expression)
      return
    }

    ts.forEachChild(node, visit)
  }

  visit(source)
  return found
}

/** The command lines a text names, as words (placeholders still in). */
function mentionsInText(text: string, topicsAndCommands: ReadonlySet<string>, commands: ReadonlySet<string>): string[][] {
  const lines: string[][] = []
  for (const match of text.matchAll(/(`?)\baccessctl +/g)) {
    const start = match.index + match[0].length
    const quoted = match[1] === '`'
    const end = quoted ? text.indexOf('`', start) : -1
    const rest = text.slice(start, end === -1 ? undefined : end)
    const words: string[] = []
    for (const raw of rest.split(/[ \n\t]+/)) {
      if (raw === '' || SHELL_OPERATORS.has(raw) || raw === '...' || /^\(|^\)/.test(raw)) break
      // A word that ends a clause ("list," "list." "list)") is the last one.
      const word = raw.replace(/[,.;:)]+$/, '')
      if (word !== '') words.push(word)
      if (word !== raw) break
    }

    // A topic alone ("an accessctl store") is prose; a command of one word (`accessctl apply`) is a command.
    const first = canonicalArgv(words)[0]
    if (first !== undefined && topicsAndCommands.has(first) && (words.length > 1 || commands.has(first))) lines.push(words)
  }

  return lines
}

let config: Config
let firstWords: Set<string>
let commandIds: Set<string>
let mentions: Mention[]

beforeAll(async () => {
  config = await Config.load(PROJECT_ROOT)
  firstWords = new Set([...config.commandIDs, ...config.topics.map((topic) => topic.name)].map((id) => id.split(':')[0]))
  commandIds = new Set(config.commandIDs)
  mentions = sourceFiles(join(PROJECT_ROOT, 'src')).flatMap((file) =>
    literalsOf(file).flatMap(({text, line}) =>
      mentionsInText(text, firstWords, commandIds).map((words) => ({where: `${relative(PROJECT_ROOT, file)}:${line}`, words})),
    ),
  )
}, 60_000)

/** Parses a command line with the real command's parser; undefined when it parses, else why not. */
async function parseProblem(words: readonly string[]): Promise<string | undefined> {
  const argv = canonicalArgv(words.map((word) => (word === '${}' || /^[A-Z][A-Z_]*$/.test(word) ? PLACEHOLDER_VALUE : word)))
  const end = argv.findIndex((word) => word.startsWith('-'))
  const commandWords = end === -1 ? argv : argv.slice(0, end)
  let length = commandWords.length
  while (length > 0 && !config.findCommand(commandWords.slice(0, length).join(':'))) length--
  if (length === 0) return `no command '${commandWords.join(' ')}'`
  const id = commandWords.slice(0, length).join(':')
  const CommandClass = await config.findCommand(id)!.load()
  // Help is oclif's own (additionalHelpFlags), answered before a command parses anything else: the command exists.
  const rest = argv.slice(length)
  if (rest.includes('--help') || rest.includes('-h')) return undefined
  type Parsing = {parse: (options: unknown, argv: string[]) => Promise<unknown>}
  const command = new (CommandClass as unknown as new (argv: string[], config: Config) => Parsing)(rest, config)
  try {
    await command.parse(CommandClass, rest)
    return undefined
  } catch (error) {
    return `${id.replaceAll(':', ' ')} ${rest.join(' ')}: ${(error as Error).message.replaceAll(/\s+/g, ' ')}`
  }
}

describe('every command a string in src/ names is one the CLI takes', () => {
  it('finds the mentions: hints, messages and examples', () => {
    const shown = mentions.map((mention) => mention.words.join(' '))
    expect(shown).toContain('accounts create -n NAME')
    expect(shown).toContain('admin-key create --label break-glass')
    expect(shown).toContain('store unlock')
    expect(shown).toContain('tokens create -t account -i ID --role AuditDeveloper')
    expect(shown).toContain('tokens verify -')
    expect(mentions.length).toBeGreaterThan(10)
  })

  it('tells a command from prose about accessctl', () => {
    const words = new Set(['accounts', 'store', 'tokens', 'apply'])
    const one = new Set(['apply'])
    const mentionsIn = (text: string, topics: ReadonlySet<string>) => mentionsInText(text, topics, one)
    expect(mentionsIn('not an accessctl store, or at a path', words)).toEqual([])
    expect(mentionsIn('then run accessctl apply -f x.yaml.', words)).toEqual([['apply', '-f', 'x.yaml']])
    expect(mentionsIn('accessctl takes paths literally; accessctl will not write', words)).toEqual([])
    expect(mentionsIn('Run `accessctl store backup FILE` to make one', words)).toEqual([['store', 'backup', 'FILE']])
    expect(mentionsIn('e.g. accessctl accounts create NAME, or check --store', words)).toEqual([['accounts', 'create', 'NAME']])
    expect(mentionsIn('T=$(accessctl tokens create ...) works', words)).toEqual([['tokens', 'create']])
    expect(mentionsIn('one per line: accessctl tokens verify - < tokens.txt', words)).toEqual([['tokens', 'verify', '-']])
  })

  it('the check refuses what the CLI refuses: the hint of issue 17.12 and its kind', async () => {
    expect(await parseProblem(['accounts', 'create', 'NAME'])).toMatch(/^accounts create x: /)
    expect(await parseProblem(['accounts', 'create', '-n', 'NAME'])).toBeUndefined()
    expect(await parseProblem(['store', 'backup'])).toMatch(/dest/i)
    expect(await parseProblem(['tokens', 'keys', 'list', '--all'])).toMatch(/all/)
    expect(await parseProblem(['store', 'unlok'])).toMatch(/unlok/)
    expect(await parseProblem(['account', 'get', '-i', 'ID'])).toBeUndefined()
  })

  it('each one parses', async () => {
    const problems: string[] = []
    for (const mention of mentions) {
      const problem = await parseProblem(mention.words)
      if (problem !== undefined) problems.push(`${mention.where}: accessctl ${mention.words.join(' ')}\n    ${problem}`)
    }

    expect(problems, problems.join('\n')).toEqual([])
  })
})
