import {addonSha256} from 'accessctl:bundle'

import {setServeRuntimeLoader} from '../serve/loader.js'
import {runServeWorker} from '../serve/worker-process.js'
import {setNativeBindingLoader} from '../store/native-binding.js'
import {loadEmbeddedAddon} from './embedded-addon.js'
import {loadServeAsset} from './serve-runtime.js'

/**
 * A worker of `serve --workers N` in the executable: node:cluster starts it by running the executable again, and
 * src/sea/main.ts sends it here rather than to ./run.js, so that it loads nothing of oclif (each worker is a process
 * of its own, and what it loads is memory it keeps), only the SQLite addon and serve's runtime, as ./run.js would.
 * Resolves false when this process is not a cluster worker after all.
 */
export function runWorker(): Promise<boolean> {
  setNativeBindingLoader(() => loadEmbeddedAddon(addonSha256))
  setServeRuntimeLoader(loadServeAsset)
  return runServeWorker()
}
