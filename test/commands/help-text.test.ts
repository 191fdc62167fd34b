import {mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, runCli} from '../helpers/cli.js'
import {exampleShellEnv, programOnPath, runBashScript} from '../helpers/example-shell.js'
import {readmeScript} from '../helpers/readme-script.js'

/**
 * Help text is written as paragraphs that the help wraps to the terminal (src/cli/help.ts), never broken by hand in
 * the middle of a sentence; the root help groups every topic and top-level command and opens with first steps
 * that run as written.
 */

interface HelpStrings {
  summary?: string
  description?: string
  flags?: Record<string, {summary?: string; description?: string; hidden?: boolean}>
  args?: Record<string, {description?: string}>
}

interface ManifestCommand {
  id: string
  hidden?: boolean
}

const pjson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  oclif: {plugins?: string[]; topics: Record<string, {description?: string}>}
}
const manifestOf = (root: string) => JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
const own = manifestOf(PROJECT_ROOT)
const plugins = (pjson.oclif.plugins ?? []).map((name) => manifestOf(join(PROJECT_ROOT, 'node_modules', name)))

/** Every accessctl command class, loaded from its file as oclif loads it. */
async function commandClasses(): Promise<Array<[string, HelpStrings & {baseFlags?: HelpStrings['flags']}]>> {
  return Promise.all(
    Object.keys(own.commands).map(async (id) => {
      const module = (await import(join(PROJECT_ROOT, 'src', 'commands', `${id.replaceAll(':', '/')}.ts`))) as {default: HelpStrings}
      return [id, module.default] as [string, HelpStrings]
    }),
  )
}

/**
 * The line breaks of a description that are not a paragraph break (a blank line), nor the start of a list item
 * (`- `, `* `, `1. `) or an indented row: each as `line N: ...`, the line it breaks into.
 */
export function midSentenceBreaks(text: string): string[] {
  const lines = text.split('\n')
  const problems: string[] = []
  for (let index = 1; index < lines.length; index++) {
    const [before, line] = [lines[index - 1], lines[index]]
    if (line.trim() === '' || before.trim() === '') continue
    if (/^\s/.test(line) || /^(?:[-*•]|\d+[.)])\s/.test(line)) continue
    problems.push(`line ${index + 1}: ${line.slice(0, 60)}`)
  }

  return problems
}

const work = mkdtempSync(join(tmpdir(), 'accessctl-help-text-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

describe('help text is paragraphs', () => {
  it('the check finds a line broken mid-sentence, and lets paragraphs, list items and indented rows be', () => {
    expect(midSentenceBreaks('Creates an account and prints\nits id.')).toEqual(['line 2: its id.'])
    expect(midSentenceBreaks('A table:\n  inherit   the default\n\nThen prose.\n- an item\n1. another')).toEqual([])
    // A paragraph right after a table needs its blank line: otherwise it reads as the table's last row continued.
    expect(midSentenceBreaks('A table:\n  inherit   the default\nThen prose.')).toEqual(['line 3: Then prose.'])
  })

  it('every command description breaks lines only between paragraphs or before a list item or an indented row', async () => {
    const problems: string[] = []
    for (const [id, command] of await commandClasses()) {
      for (const problem of midSentenceBreaks(command.description ?? '')) problems.push(`${id}: description ${problem}`)
    }

    expect(problems).toEqual([])
  })

  it('summaries, flag and argument descriptions and topic descriptions are one line each', async () => {
    const texts: Array<[string, string | undefined]> = []
    for (const [id, command] of await commandClasses()) {
      texts.push([`${id} summary`, command.summary])
      for (const [name, flag] of Object.entries({...command.baseFlags, ...command.flags})) {
        texts.push([`${id} --${name}`, flag.summary], [`${id} --${name}`, flag.description])
      }

      for (const [name, arg] of Object.entries(command.args ?? {})) texts.push([`${id} ${name.toUpperCase()}`, arg.description])
    }

    for (const [name, topic] of Object.entries(pjson.oclif.topics)) texts.push([`topic ${name}`, topic.description])
    expect(texts.length).toBeGreaterThan(300)
    expect(texts.filter(([, text]) => text?.includes('\n')).map(([where]) => where)).toEqual([])
  })
})

/** The lines of printed help that are the data of a here-document in an example (`<<EOF` to `EOF`): never wrapped. */
function hereDocumentLines(help: string): Set<string> {
  const lines = new Set<string>()
  let end: string | undefined
  for (const line of help.split('\n')) {
    if (end !== undefined) {
      if (line.trim() === end) end = undefined
      else lines.add(line)
    } else {
      end = /<<-?\s*['"]?(\w+)['"]?/.exec(line)?.[1]
    }
  }

  return lines
}

/** Help as printed at a width, with every line checked against it (but a here-document's data, which is verbatim). */
async function helpAt(args: string[], columns: number): Promise<string> {
  const {code, stdout, stderr} = await runCli(args, {env: {COLUMNS: String(columns), OCLIF_COLUMNS: undefined}})
  expect(code, stderr).toBe(0)
  const verbatim = hereDocumentLines(stdout)
  const tooLong = stdout.split('\n').filter((line) => [...line].length > columns && !verbatim.has(line))
  expect(tooLong, `${args.join(' ')}: lines over ${columns} columns`).toEqual([])
  return stdout
}

/** The words of help, however it was wrapped: a shell line continuation (` \` at a line's end) is no word. */
const wordsOf = (help: string) => help.replaceAll(/ \\\n/g, '\n').split(/\s+/).filter(Boolean)

describe('help wraps to the terminal', () => {
  it('accounts create --help at 60 and at 140 columns: no line over the width, the same words', async () => {
    const narrow = await helpAt(['accounts', 'create', '--help'], 60)
    const wide = await helpAt(['accounts', 'create', '--help'], 140)
    expect(wordsOf(narrow)).toEqual(wordsOf(wide))
    // The description is one paragraph, wrapped: at 140 columns its first two sentences share a line.
    expect(wide).toMatch(/^ {2}Creates an account and prints its id, .* The name is stored/m)
    expect(narrow).toMatch(/^ {2}Creates an account and prints its id, a uuid4 without$/m)
  })

  it('OCLIF_COLUMNS, oclif own setting, wins over COLUMNS', async () => {
    const {stdout} = await runCli(['accounts', 'create', '--help'], {env: {COLUMNS: '140', OCLIF_COLUMNS: '60'}})
    expect(Math.max(...stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(60)
  })

  it('a table in a description keeps its columns, its long rows continuing under the last column', async () => {
    const help = await helpAt(['deployment', 'auth', 'set', '--help'], 60)
    expect(help).toContain(
      [
        '  Sets the deployment\'s query authentication:',
        '    inherit   follow the service: public, or one of the',
        '              service\'s keys (the default)',
        '    public    anyone may query it, no key needed',
      ].join('\n'),
    )
  })

  it.each(Object.keys(own.commands).map((id) => id.replaceAll(':', ' ')))('%s --help fits 60 columns', async (command) => {
    await helpAt([...command.split(' '), '--help'], 60)
  })
})

/** The entries of the root help: each heading (a line in capitals) and the names listed under it. */
function rootSections(help: string): Map<string, string[]> {
  const sections = new Map<string, string[]>()
  let current: string[] | undefined
  for (const line of help.split('\n')) {
    if (/^[A-Z][A-Z ]+$/.test(line)) sections.set(line, (current = []))
    else if (current && /^ {2}\S/.test(line)) current.push(line.trim().split(/\s{2,}/)[0])
  }

  return sections
}

describe('root help', () => {
  it('accessctl alone and accessctl --help print it: what it is, usage, first steps, then the groups', async () => {
    const bare = await runCli([])
    const help = await runCli(['--help'])
    expect(help.code).toBe(0)
    expect(bare.stdout).toBe(help.stdout)
    const lines = help.stdout.split('\n')
    expect(lines[0]).toMatch(/^Who may do what on an API platform/)
    expect([...rootSections(help.stdout).keys()]).toEqual([
      'USAGE',
      'GETTING STARTED',
      'IDENTITY',
      'APIS',
      'POLICY AS CODE',
      'QUESTIONS',
      'OPERATIONS',
      'SHELL',
      ...(rootSections(help.stdout).has('OTHER') ? ['OTHER'] : []),
      'VERSION',
    ])
    expect(rootSections(help.stdout).get('IDENTITY')).toEqual(expect.arrayContaining(['accounts', 'groups', 'tokens', 'admin-key']))
    expect(help.stdout).toMatch(/^ {2}accounts +Create, inspect, list and delete accounts\.$/m)
  })

  it('lists every visible topic and top-level command exactly once', async () => {
    const {stdout} = await runCli(['--help'])
    const sections = rootSections(stdout)
    const listed = [...sections].filter(([title]) => !['USAGE', 'GETTING STARTED', 'VERSION'].includes(title)).flatMap(([, names]) => names)
    // What oclif's own root help lists: the first word of every command a user can see, in any plugin.
    const visible = new Set(
      [own, ...plugins].flatMap((manifest) => Object.values(manifest.commands).filter((command) => !command.hidden).map((command) => command.id.split(':')[0])),
    )
    expect(listed.toSorted()).toEqual([...visible].toSorted())
    expect(new Set(listed).size).toBe(listed.length)
  })

  it('fits 60 columns', async () => {
    await helpAt(['--help'], 60)
  })

  it.each(Object.keys(pjson.oclif.topics).map((topic) => topic.replaceAll(':', ' ')))('topic help %s fits 60 columns', async (topic) => {
    await helpAt([...topic.split(' '), '--help'], 60)
  })

  it('its getting-started commands run as printed, in order, against a new store', async () => {
    const help = await helpAt(['--help'], 200)
    const steps = help.slice(help.indexOf('GETTING STARTED'), help.indexOf('\nIDENTITY'))
    const commands = steps.split('\n').filter((line) => line.startsWith('    $ ')).map((line) => line.slice('    $ '.length))
    expect(commands).toHaveLength(4)
    const cwd = join(work, 'steps')
    mkdirSync(cwd, {recursive: true})
    writeFileSync(join(work, 'steps.sh'), readmeScript([{firstLine: 1, lines: commands}], 'step').script)
    const env = exampleShellEnv(programOnPath(work), join(work, 'home'), {ACCESSCTL_STORE: join(work, 'store.db')})
    const run = await runBashScript(join(work, 'steps.sh'), {cwd, env, timeoutMs: 55_000, strict: true})
    expect(run.stderr.match(/step \d+: .*/)?.[0], run.stderr).toBeUndefined()
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toContain("created group: 'data-scientists' (may-create-services)")
    expect(run.stdout).toContain("created account: 'erin@example.com'")
  }, 60_000)

  it('the help class is loaded only for help: no source file imports it', () => {
    const importers = readdirSync(join(PROJECT_ROOT, 'src'), {recursive: true, encoding: 'utf8'})
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /from '[./]*(cli\/)?help\.js'/.test(readFileSync(join(PROJECT_ROOT, 'src', file), 'utf8')))
    expect(importers).toEqual([])
  })
})
