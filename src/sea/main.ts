// Entry point of the single executable (bundled by scripts/build-binary.mjs). oclif reads these when it loads, and
// imports run before a module's own statements, so they are set here and everything else is imported after them.
// No engine check: the executable carries its own Node, and the check would look for package.json on disk.
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'

void import('./run.js').then(({run}) => run(process.argv.slice(2)))
