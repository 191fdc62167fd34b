import type {Command, Interfaces} from '@oclif/core'

import type {BundledPlugin} from './bundled-plugin.js'

import {versionLine} from './version.js'

/**
 * The single executable's fast dispatch: runs one of accessctl's own commands without oclif's `Config.load`, its
 * plugin objects and hooks (and, with the lazy requires of scripts/sea-lazy-requires.mjs, without loading oclif's
 * config, plugin and main modules at all). Commands, the parser (`Command#parse` calls oclif's own `Parser.parse`),
 * `--json`, error output and exit codes are oclif's and the base command's; only the config is a small stand-in
 * holding what `Command` and `parse` read. Anything it does not stand in for goes the normal oclif way: `--help`,
 * topics, unknown or colon-written ids, other plugins' commands (none are bundled today), `DEBUG` (oclif's own debug log), a
 * help theme, no arguments. `--version` never gets here (src/sea/main.ts).
 */

/** What `fastCommand` found: the command id and the arguments it is given. */
export interface FastCommand {
  id: string
  argv: string[]
}

/**
 * The accessctl command that argv names, the way oclif's `normalizeArgv` finds it with topicSeparator ' ' (words
 * that extend a known id or topic, up to a flag, an `a=b` word or a command that takes arguments), or undefined
 * when oclif must decide.
 */
export function fastCommand(argv: string[], plugins: BundledPlugin[], env: NodeJS.ProcessEnv): FastCommand | undefined {
  if (argv.length === 0 || argv[0].includes(':') || argv[0].startsWith('-')) return undefined
  // oclif prints its debug log with DEBUG, and reads a theme file unless the theme is disabled (src/sea/main.ts).
  if (env.DEBUG || !['1', 'true', 'yes', 'y'].includes((env.ACCESSCTL_DISABLE_THEME ?? '').toLowerCase())) return undefined
  const end = argv.indexOf('--')
  const beforeEnd = end === -1 ? argv : argv.slice(0, end)
  if (beforeEnd.some((arg) => arg === '--help' || arg === '-h')) return undefined

  // Kept to a few string comparisons: this runs on every start.
  const ids = plugins.flatMap((plugin) => Object.keys(plugin.manifest.commands))
  const usable = (id: string): boolean => ids.some((known) => known === id || known.startsWith(`${id}:`))
  const commandOf = (id: string) => plugins.find((plugin) => id in plugin.manifest.commands)?.manifest.commands[id]
  const words: string[] = []
  if (argv.length === 1) {
    words.push(argv[0])
  } else {
    for (const arg of argv) {
      const current = words.length > 0 ? commandOf(words.join(':')) : undefined
      if (usable([...words, arg].join(':'))) words.push(arg)
      else if (arg.includes('=') || arg.startsWith('-') || (current && (current.strict === false || Object.keys(current.args ?? {}).length > 0))) break
      else words.push(arg)
    }
  }

  const id = words.join(':')
  // Only accessctl's own commands (the first plugin): another plugin's would keep oclif's path.
  if (!(id in plugins[0].loaders)) return undefined
  return {id, argv: argv.slice(words.length)}
}

/**
 * A config with what `Command`, its `parse` and accessctl's base command read. accessctl's commands use none of
 * the rest (data or cache folders, plugins, runCommand); oclif's error handler shows no help without a config in
 * its cache, which only parse errors ask for, and the base command turns those into usage errors first.
 */
export function fastConfig(plugin: BundledPlugin, root: string): Interfaces.Config {
  const {pjson, manifest} = plugin
  const bin = pjson.oclif.bin ?? pjson.name
  const scopedEnvVarKey = (key: string): string => `${bin.replaceAll('@', '').replaceAll(/[/-]/g, '_')}_${key}`.toUpperCase()
  const config = {
    arch: process.arch,
    bin,
    binAliases: undefined,
    commandIDs: Object.keys(manifest.commands),
    findCommand: (id: string) => manifest.commands[id],
    isSingleCommandCLI: false,
    name: pjson.name,
    pjson,
    platform: process.platform,
    plugins: new Map(),
    root,
    // No plugin has hooks in the executable (src/sea/bundled-plugin.ts): oclif's answer when none ran.
    runHook: async () => ({failures: [], successes: []}),
    scopedEnvVar: (key: string) => process.env[scopedEnvVarKey(key)],
    scopedEnvVarKey,
    scopedEnvVarKeys: (key: string) => [scopedEnvVarKey(key)],
    scopedEnvVarTrue: (key: string) => ['1', 'true'].includes((process.env[scopedEnvVarKey(key)] ?? '').toLowerCase()),
    theme: undefined,
    topicSeparator: pjson.oclif.topicSeparator ?? ':',
    userAgent: versionLine(pjson.name, pjson.version),
    version: pjson.version,
  }
  return config as unknown as Interfaces.Config
}

/**
 * The command's class, as the bundled plugin's findCommand gives it but without building oclif plugin objects for
 * every command: `Command.plugin` is left unset, which only help and `Config#runCommand` read.
 */
export async function loadFastCommand(found: FastCommand, plugin: BundledPlugin): Promise<Command.Class> {
  const {default: command} = (await plugin.loaders[found.id]()) as {default: Command.Class}
  command.id = found.id
  return command
}

/** Runs the command as oclif's `execute` would (Command.run, then flush, or the error handler). */
export async function runFast(
  found: FastCommand,
  command: Command.Class,
  config: Interfaces.Config,
  oclif: {flush(): Promise<void>; handle(error: Error): Promise<void>},
): Promise<void> {
  try {
    // Command.Class is typed abstract and `_run` protected: what oclif's static Command.run does, minus Config.load.
    const instance = new (command as unknown as new (argv: string[], config: Interfaces.Config) => {_run(): Promise<unknown>})(
      found.argv,
      config,
    )
    await instance._run()
    await oclif.flush()
  } catch (error) {
    await oclif.handle(error as Error)
  }
}
