// An esbuild plugin for the single executable's bundle: makes some `require` calls of @oclif/core lazy, so that a
// plain command run does not load (compile and run) modules only help, a terminal spinner or a rare code path need.
// esbuild runs a bundled CommonJS module only when it is first required, so moving a `require` out of a module's top
// level defers that module, and for a Node built-in (perf_hooks, readline, child_process) defers Node's own
// compilation of it. Each rewrite is an exact text replacement checked at build time: if @oclif/core changes (it is
// pinned exactly), the build fails instead of silently loading everything again.
import {readFile} from 'node:fs/promises'

/**
 * A stand-in for `require(...)` that loads the module on first property access. It answers `__esModule` itself, so
 * TypeScript's `__importDefault` / `__importStar` helpers, which look at that property right away, do not load it;
 * `default` is the module itself when it is plain CommonJS (as `__importDefault` would give).
 */
const LAZY_HELPER = `
function __accessctlLazy(load) {
  let loaded
  const module = () => (loaded ??= load())
  return new Proxy({}, {
    get(_, key) {
      if (key === '__esModule') return true
      const real = module()
      if (key === 'default' && !real.__esModule) return real
      return real[key]
    },
  })
}
`

const lazy = (specifier) => [`require("${specifier}")`, `__accessctlLazy(() => require("${specifier}"))`]

/** File of @oclif/core (under lib/) => [text, replacement] pairs. */
const REWRITES = {
  // help/index is loaded only for --help, a missing command and the like; a run needs two helpers of help/util.
  'main.js': [
    lazy('./help'),
    ['(0, help_1.getHelpFlagAdditions)', '(0, require("./help/util").getHelpFlagAdditions)'],
    ['(0, help_1.normalizeArgv)', '(0, require("./help/util").normalizeArgv)'],
  ],
  // The package index re-exports Help & co.; the help flag loads help only when given; the error handler shows help
  // only for errors that ask for it. Config (with its plugin loading), main and execute are needed only when oclif
  // dispatches: src/sea/fast-path.ts runs a command without them.
  'index.js': [lazy('./help'), lazy('./config'), lazy('./main'), lazy('./execute'), lazy('./module-loader')],
  // Command's static run loads a Config; `new Command(argv, config)._run()` (the fast path) does not.
  'command.js': [lazy('./config')],
  'flags.js': [lazy('./help'), lazy('./util/fs')],
  // util/fs (and Node's fs/promises) checks `file` / `directory` flags and args, which accessctl does not use.
  'args.js': [lazy('./util/fs')],
  'errors/handle.js': [lazy('../help/index')],
  // Colours (ansis and oclif's theme), terminal width, wrapping and stack cleaning serve oclif's own error, help and
  // JSON rendering; accessctl's commands print their errors themselves (src/cli/base-command.ts).
  'errors/errors/cli.js': [lazy('clean-stack'), lazy('indent-string'), lazy('wrap-ansi'), lazy('../../screen'), lazy('../../ux/theme')],
  'errors/errors/pretty-print.js': [lazy('indent-string'), lazy('wrap-ansi'), lazy('../../screen')],
  'parser/errors.js': [lazy('../ux/theme')],
  'ux/colorize-json.js': [lazy('./theme')],
  'ux/list.js': [lazy('../screen')],
  // The spinner (and cli-spinners, ansi-escapes) exists only when stderr is a terminal.
  // ux.colorize becomes a wrapper so that building the ux object does not load the theme.
  'ux/index.js': [
    lazy('./action/spinner'),
    lazy('./theme'),
    ['colorize: theme_1.colorize,', 'colorize: (...args) => theme_1.colorize(...args),'],
  ],
  // ejs renders help templates and `<%= config.bin %>` examples: help only.
  'config/config.js': [lazy('ejs')],
  'help/util.js': [lazy('ejs')],
  // perf_hooks is used only with OCLIF_PERFORMANCE / settings.performanceEnabled.
  'performance.js': [lazy('node:perf_hooks')],
  // readline reads flags from stdin (`--flag -`) only; child_process is for Windows shell detection.
  'parser/parse.js': [lazy('node:readline')],
  'util/os.js': [lazy('node:child_process')],
}

export function lazyRequiresPlugin() {
  return {
    name: 'accessctl-lazy-requires',
    setup(build) {
      const seen = new Set()
      build.onLoad({filter: /[\\/]node_modules[\\/]@oclif[\\/]core[\\/]lib[\\/].*\.js$/}, async (args) => {
        const file = args.path.replace(/\\/g, '/').replace(/.*\/@oclif\/core\/lib\//, '')
        const rewrites = REWRITES[file]
        if (!rewrites) return undefined
        let contents = await readFile(args.path, 'utf8')
        for (const [text, replacement] of rewrites) {
          if (!contents.includes(text)) throw new Error(`lazy requires: "${text}" not found in @oclif/core/lib/${file}`)
          contents = contents.replaceAll(text, replacement)
        }

        seen.add(file)
        return {contents: contents + LAZY_HELPER, loader: 'js'}
      })
      build.onEnd((result) => {
        if (result.errors.length > 0) return
        const missing = Object.keys(REWRITES).filter((file) => !seen.has(file))
        if (missing.length > 0) throw new Error(`lazy requires: @oclif/core/lib/${missing.join(', ')} not in the bundle`)
      })
    },
  }
}
