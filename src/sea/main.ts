// Entry point of the single executable (bundled by scripts/build-binary.mjs).
import {cliName, cliVersion, versionFlags} from 'accessctl:bundle'

import {versionLine} from './version.js'

// oclif reads this when it loads, and imports run before a module's own statements, so oclif is imported below, after
// it. No engine check: the executable carries its own Node, and the check would look for package.json on disk.
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'

const argv = process.argv.slice(2)
if (versionFlags.includes(argv[0])) {
  // As oclif does for a first argument of --version, without the ~20 ms of loading oclif and its config.
  process.stdout.write(`${versionLine(cliName, cliVersion)}\n`)
} else {
  void import('./run.js').then(({run}) => run(argv))
}
