import {CommandHelp, Help, type Interfaces} from '@oclif/core'

import {groupHelpEntries, type HelpEntry, type HelpGroup, wrapCommandLine, wrapHelpText} from '../core/help-layout.js'

/**
 * accessctl's help, as package.json's "oclif.helpClass": oclif loads it only to show help (src/cli/package-run.ts
 * sends `--help` and bare topics to oclif; the single executable bundles it, scripts/build-binary.mjs), so no
 * command pays for importing it. Topic help stays oclif's.
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
export const GETTING_STARTED: ReadonlyArray<{says: string; commands: readonly string[]}> = [
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
    commands: ['ACCESSCTL_TOKEN="$T" accessctl auth can-i create service   # => yes'],
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

export class AccessctlCommandHelp extends CommandHelp {
  /** The summary, then the description's paragraphs, lists and rows, wrapped to the width with their indentation. */
  protected override description(): string | undefined {
    const {description, summary} = this.command
    if (!description) return undefined
    const text = this.render(summary ? `${summary}\n\n${description}` : description)
    return wrapHelpText(text, this.opts.maxWidth - this.indentSpacing)
  }
}

export default class AccessctlHelp extends Help {
  protected override CommandHelpClass = AccessctlCommandHelp

  constructor(config: Interfaces.Config, opts: Partial<Interfaces.HelpOptions> = {}) {
    super(config, helpOptions(opts))
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
    return GETTING_STARTED.map(({says, commands}) =>
      [wrapHelpText(says, width), ...commands.map((command) => wrapCommandLine(`  $ ${command}`, width))].join('\n'),
    ).join('\n\n')
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
