import {flush, handle} from '@oclif/core'
import {addonSha256, plugins} from 'accessctl:bundle'
import {dirname} from 'node:path'

import {canonicalArgv} from '../cli/aliases.js'
import {execute} from '../cli/main.js'
import {setServeRuntimeLoader} from '../serve/loader.js'
import {mayBeServeWorker} from '../serve/worker-env.js'
import {setNativeBindingLoader} from '../store/native-binding.js'
import {bundledLoadOptions} from './bundled-plugin.js'
import {loadEmbeddedAddon} from './embedded-addon.js'
import {fastCommand, fastConfig, loadFastCommand, runFast} from './fast-path.js'
import {loadServeAsset} from './serve-runtime.js'

/** Runs the CLI from what the executable carries: commands, manifests and the SQLite addon. */
export async function run(typed: string[]): Promise<void> {
  const argv = canonicalArgv(typed)
  setNativeBindingLoader(() => loadEmbeddedAddon(addonSha256))
  setServeRuntimeLoader(loadServeAsset)
  // node:cluster starts the workers of `serve --workers` by running the executable again (process.execPath, its
  // arguments never Node's): they go straight to serving, with the addon and serve's runtime loaded as above.
  if (mayBeServeWorker(process.env)) {
    const {runServeWorker} = await import('../serve/worker-process.js')
    if (await runServeWorker()) return
  }

  const root = dirname(process.execPath)
  const found = fastCommand(argv, plugins, process.env)
  // Loading the command is the last step that may still fail before it runs: then oclif's path decides.
  const command = found && (await loadFastCommand(found, plugins[0]).catch(() => undefined))
  if (found && command) {
    await runFast(found, command, fastConfig(plugins[0], root), {flush, handle})
    return
  }

  await execute(argv, bundledLoadOptions(root, plugins))
}
