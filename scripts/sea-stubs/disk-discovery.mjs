// Stands in for tinyglobby and minimatch in the single executable's bundle. @oclif/core requires them when it
// loads, but uses them only to find command files and plugins on disk, which the executable never does (its
// commands and plugins are bundled, see src/sea/bundled-plugin.ts). Leaving them out saves start-up time.
function unavailable() {
  throw new Error('finding files on disk is not available in the accessctl single executable')
}

export {unavailable as glob, unavailable as globSync, unavailable as minimatch}
