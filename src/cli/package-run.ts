import type {Interfaces} from '@oclif/core'

import {existsSync, readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

import type {BundledPlugin} from '../sea/bundled-plugin.js'
import {type FastCommand, fastCommand, fastConfig, loadFastCommand, runFast} from '../sea/fast-path.js'
import {versionLine} from '../sea/version.js'
import {mayBeServeWorker} from '../serve/worker-env.js'
import {canonicalArgv} from './aliases.js'

/**
 * The npm package's entry (bin/run.js): accessctl's own commands run through the single executable's fast path
 * (src/sea/fast-path.ts: the command class, oclif's parser and error handler, no `Config.load`), with the manifest
 * and package.json read from the package (completion's `__complete` too, which runs at every TAB); everything else
 * (help, topics, unknown words, --version, DEBUG) goes through oclif's `execute` as before. Aliases are resolved first on both paths.
 */
export async function runPackage(typed: string[], binUrl: string): Promise<void> {
  // node:cluster starts the workers of `serve --workers` by running bin/run.js again: they go straight to serving.
  if (mayBeServeWorker(process.env)) {
    const {runServeWorker} = await import('../serve/worker-process.js')
    if (await runServeWorker()) return
  }

  const argv = canonicalArgv(typed)
  const root = dirname(dirname(fileURLToPath(binUrl)))
  if (argv.length === 1 && argv[0] === '--version') {
    // As oclif prints it (src/sea/version.ts), without loading oclif: as the executable does.
    const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {name: string; version: string}
    process.stdout.write(`${versionLine(pjson.name, pjson.version)}\n`)
    return
  }

  const found = packageFastCommand(argv, root, process.env)
  const command = found && (await loadFastCommand(found, found.plugin).catch(() => undefined))
  if (found && command) {
    // Loaded with the command, which imports oclif's Command: importing it here costs nothing more.
    const {flush, handle} = await import('@oclif/core')
    await runFast(found, command, fastConfig(found.plugin, root), {flush, handle})
    return
  }

  const {execute} = await import('./main.js')
  await execute(argv, binUrl)
}

/**
 * The command the fast path runs, with the package as a plugin, or undefined when oclif must decide: anything
 * fastCommand leaves to oclif, a package without its manifest (a build in progress), or a help theme file, which
 * oclif would read and the fast path would not (the executable ignores it unless asked, the package honours it).
 */
export function packageFastCommand(argv: string[], root: string, env: NodeJS.ProcessEnv): (FastCommand & {plugin: BundledPlugin}) | undefined {
  if (argv.length === 0 || argv[0].startsWith('-')) return undefined
  let plugin: BundledPlugin
  try {
    plugin = packagePlugin(root)
  } catch {
    return undefined
  }

  const themeOff = ['1', 'true'].includes((env.ACCESSCTL_DISABLE_THEME ?? '').toLowerCase()) || !existsSync(themeFile(env))
  const found = fastCommand(argv, [plugin], {...env, ACCESSCTL_DISABLE_THEME: themeOff ? '1' : '0'})
  return found && {...found, plugin}
}

/** Where oclif looks for a user's help theme: `<configDir>/theme.json`, the config dir as oclif's Config finds it. */
function themeFile(env: NodeJS.ProcessEnv): string {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(env.ACCESSCTL_CONFIG_DIR || join(configHome, 'accessctl'), 'theme.json')
}

function packagePlugin(root: string): BundledPlugin {
  const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Interfaces.PJSON
  const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as Interfaces.Manifest
  const loaders: BundledPlugin['loaders'] = {}
  for (const [id, command] of Object.entries(manifest.commands)) {
    const relative = (command as {relativePath?: string[]}).relativePath
    if (relative) loaders[id] = () => import(pathToFileURL(join(root, ...relative)).href)
  }

  return {pjson, manifest, loaders}
}
