import {execute} from '@oclif/core'
import {addonSha256, plugins} from 'accessctl:bundle'
import {dirname} from 'node:path'

import {setNativeBindingLoader} from '../store/native-binding.js'
import {bundledLoadOptions} from './bundled-plugin.js'
import {loadEmbeddedAddon} from './embedded-addon.js'

/** Runs the CLI from what the executable carries: commands, manifests and the SQLite addon. */
export async function run(argv: string[]): Promise<void> {
  setNativeBindingLoader(() => loadEmbeddedAddon(addonSha256))
  await execute({args: argv, loadOptions: bundledLoadOptions(dirname(process.execPath), plugins)})
}
