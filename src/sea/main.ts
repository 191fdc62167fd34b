// Entry point of the single executable (bundled by scripts/build-binary.mjs).
import {cliName, cliVersion, versionFlags} from 'accessctl:bundle'

import {mayBeServeWorker} from '../serve/worker-env.js'
import {versionLine} from './version.js'

// oclif reads this when it loads, and imports run before a module's own statements, so oclif is imported below, after
// it. No engine check: the executable carries its own Node, and the check would look for package.json on disk.
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
// No oclif help theme from ~/.config/accessctl/theme.json: reading it is the first async file read of the process,
// and starting libuv's thread pool for it is a large share of a short command's start-up. Still settable.
process.env.ACCESSCTL_DISABLE_THEME ??= '1'

const argv = process.argv.slice(2)
const runCli = () => void import('./run.js').then(({run}) => run(argv))
if (mayBeServeWorker(process.env)) {
  // A worker of `serve --workers N`, which node:cluster started by running this executable again.
  void import('./serve-worker.js').then(({runWorker}) => runWorker()).then((served) => served || runCli())
} else if (versionFlags.includes(argv[0])) {
  // As oclif does for a first argument of --version, without the ~20 ms of loading oclif and its config.
  process.stdout.write(`${versionLine(cliName, cliVersion)}\n`)
} else {
  runCli()
}
