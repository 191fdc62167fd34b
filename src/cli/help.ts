import {type Command, CommandHelp, Help, type Interfaces, ux} from '@oclif/core'

import {groupHelpEntries, type HelpEntry, type HelpGroup, wrapCommandLine, wrapHelpText, wrapLine} from '../core/help-layout.js'

/**
 * accessctl's help, as package.json's "oclif.helpClass": oclif loads it only to show help (src/cli/package-run.ts
 * sends `--help` and bare topics to oclif; the single executable bundles it, scripts/build-binary.mjs), so no
 * command pays for importing it. Topic help stays oclif's, its first line wrapped.
 */

/**
 * The root help's headings, in order. A name that is no topic or top-level command (yet) is skipped; one that is
 * in no group is listed under OTHER, so a new topic shows up before anyone files it here.
 */
export const ROOT_GROUPS: readonly HelpGroup[] = [
  {title: 'IDENTITY', names: ['accounts', 'groups', 'tokens', 'roles', 'admin-key']},
  {title: 'APIS', names: ['service', 'infra', 'deployment']},
  {title: 'POLICY AS CODE', names: ['apply', 'diff', 'export', 'test', 'review']},
  {title: 'QUESTIONS', names: ['auth']},
  {title: 'OPERATIONS', names: ['store', 'audit', 'serve', 'config']},
  {title: 'SHELL', names: ['autocomplete']},
]

/**
 * The root help's first steps, each a sentence and the commands that do it. They run as written, in this order,
 * against a new store (test/commands/help-text.test.ts runs them from the printed help).
 */
export const GETTING_STARTED: ReadonlyArray<{says: string; commands: readonly string[]; prints?: string}> = [
  {
    says: 'Create a group whose members may create API services, and an account in it:',
    commands: ['accessctl groups create data-scientists --may-create-services', 'accessctl accounts create -n erin@example.com --group data-scientists'],
  },
  {
    says: 'Make a token for the account from a role (the token alone is printed, ready for a variable):',
    commands: ['T=$(accessctl tokens create -i erin@example.com --role AuditDeveloper)'],
  },
  {
    says: 'Ask whether the token may do something: yes (exit 0) or no (exit 3).',
    commands: ['ACCESSCTL_TOKEN="$T" accessctl auth can-i create service'],
    prints: 'yes',
  },
]

/**
 * The width to wrap to: oclif's (OCLIF_COLUMNS, else the terminal's, else 80), or COLUMNS when only that is set,
 * as most command-line tools take it, so `COLUMNS=100 accessctl --help | less` is wrapped for the pager.
 */
function helpOptions(opts: Partial<Interfaces.HelpOptions>): Partial<Interfaces.HelpOptions> {
  const columns = Number.parseInt(process.env.COLUMNS ?? '', 10)
  if (opts.maxWidth || process.env.OCLIF_COLUMNS || !(columns > 0)) return opts
  // oclif's own floor for a terminal's width.
  return {...opts, maxWidth: Math.max(columns, 40)}
}

type ListOptions = Parameters<CommandHelp['renderList']>[1]

export class AccessctlCommandHelp extends CommandHelp {
  /**
   * oclif lays a long list out one entry under the other, its text indented by 4 within the section's 2 but wrapped
   * for 4 in all, 2 columns too wide: wrapping as for 2 more keeps every line within the width.
   */
  override renderList(input: Array<[string, string | undefined]>, opts: ListOptions): string {
    return super.renderList(input, {...opts, indentation: opts.indentation + 2})
  }

  /** The summary, then the description's paragraphs, lists and rows, wrapped to the width with their indentation. */
  protected override description(): string | undefined {
    const {description, summary} = this.command
    if (!description) return undefined
    const text = this.render(summary ? `${summary}\n\n${description}` : description)
    return wrapHelpText(text, this.opts.maxWidth - this.indentSpacing)
  }

  /**
   * oclif measures the usage line before putting the command's id in it, so a long id made it overflow: each usage is
   * measured as shown and wrapped, continuing 4 columns in.
   */
  protected override usage(): string {
    return super
      .usage()
      .split(/\n(?! )/)
      .map((usage) => wrapLine(this.render(usage.replaceAll(/\n +/g, ' ')), this.opts.maxWidth - this.indentSpacing, 4).join('\n'))
      .join('\n')
  }

  /**
   * oclif prints a plain string example as it is, however long: each command line is wrapped here as a shell reads
   * it back (` \` at each break). The lines of a here-document are data, and stay as written.
   */
  protected override examples(examples: Command.Example[] | string | undefined): string | undefined {
    if (!examples || examples.length === 0) return undefined
    const list = typeof examples === 'string' ? [examples] : examples
    return list.map((example) => (typeof example === 'string' ? this.example(example) : super.examples([example]))).join('\n')
  }

  private example(example: string): string {
    const width = this.opts.maxWidth - this.indentSpacing
    let hereDocEnd: string | undefined
    return this.render(example)
      .split(/\r?\n/)
      .filter(Boolean)
      .map((line) => {
        if (hereDocEnd !== undefined) {
          if (line.trim() === hereDocEnd) hereDocEnd = undefined
          return line
        }

        hereDocEnd = /<<-?\s*['"]?(\w+)['"]?/.exec(line)?.[1]
        const dollar = ux.colorize(this.config.theme?.dollarSign, '$')
        return wrapCommandLine(line.startsWith(this.config.bin) ? `${dollar} ${line}` : line, width)
      })
      .join('\n')
  }
}

export default class AccessctlHelp extends Help {
  protected override CommandHelpClass = AccessctlCommandHelp

  /** Within the width, as AccessctlCommandHelp's lists (the root help's groups are lists). */
  override renderList(input: Array<[string, string | undefined]>, opts: ListOptions): string {
    return super.renderList(input, {...opts, indentation: opts.indentation + 2})
  }

  /** The command whose help is being shown: its summary, printed first, is wrapped (oclif prints it as it is). */
  private shown?: Command.Loadable

  constructor(config: Interfaces.Config, opts: Partial<Interfaces.HelpOptions> = {}) {
    super(config, helpOptions(opts))
  }

  override async showCommandHelp(command: Command.Loadable): Promise<void> {
    this.shown = command
    try {
      await super.showCommandHelp(command)
    } finally {
      this.shown = undefined
    }
  }

  protected override summary(command: Command.Loadable): string | undefined {
    const summary = super.summary(command)
    return summary && command === this.shown ? wrapHelpText(summary, this.opts.maxWidth) : summary
  }

  /** oclif's topic help, its first line (the topic's description, which oclif prints as it is) wrapped. */
  protected override formatTopic(topic: Interfaces.Topic): string {
    const [first, ...rest] = super.formatTopic(topic).split('\n')
    return [wrapHelpText(first, this.opts.maxWidth), ...rest].join('\n')
  }

  /** What accessctl is, how to call it, three first steps, then the topics and commands by what they are for. */
  protected override async showRootHelp(): Promise<void> {
    // `--all` lists every command: oclif's layout does that.
    if (this.opts.all) return super.showRootHelp()
    const width = this.opts.maxWidth
    const groups = groupHelpEntries(this.rootEntries(), ROOT_GROUPS)
    // One column for the descriptions of every group, as one table would have.
    const column = Math.max(...groups.flatMap(({entries}) => entries.map(({name}) => name.length)))
    const about = this.config.pjson.oclif.description || this.config.pjson.description || ''
    const sections = [
      wrapHelpText(this.render(about.split('\n')[0]), width),
      this.section('USAGE', wrapCommandLine(`$ ${this.config.bin} COMMAND`, width - 2)),
      this.section('GETTING STARTED', this.gettingStarted(width - 2)),
      ...groups.map(({title, entries}) =>
        this.section(
          title,
          this.renderList(
            entries.map(({name, description}) => [name.padEnd(column), description]),
            {indentation: 2, spacer: '\n', stripAnsi: this.opts.stripAnsi},
          ),
        ),
      ),
      this.section('VERSION', this.config.userAgent),
      wrapHelpText(`Run ${this.config.bin} TOPIC --help for a topic's commands, and ${this.config.bin} COMMAND --help for a command's flags and examples.`, width),
    ]
    this.log(`${sections.join('\n\n')}\n`)
  }

  private gettingStarted(width: number): string {
    return GETTING_STARTED.map(({says, commands, prints}) => {
      // What the last command prints, written as the README's examples show output (`# => TEXT`), which the test checks.
      const shown = commands.map((command, index) => (prints && index === commands.length - 1 ? `${command}   # => ${prints}` : command))
      return [wrapHelpText(says, width), ...shown.map((command) => wrapCommandLine(`  $ ${command}`, width))].join('\n')
    }).join('\n\n')
  }

  /** Every topic and top-level command oclif's root help would list, each once (a command's summary first). */
  private rootEntries(): HelpEntry[] {
    const firstLine = (text: string | undefined) => this.render(text ?? '').split('\n')[0]
    const entries = new Map<string, HelpEntry>()
    for (const command of this.sortedCommands) {
      if (!command.id || command.id.includes(':')) continue
      entries.set(command.id, {name: command.id, description: firstLine(command.summary ?? command.description)})
    }

    for (const topic of this.sortedTopics) {
      if (topic.name.includes(':') || entries.has(topic.name)) continue
      entries.set(topic.name, {name: topic.name, description: firstLine(topic.description)})
    }

    return [...entries.values()]
  }
}
