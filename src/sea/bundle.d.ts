/** The module scripts/build-binary.mjs generates at bundle time (an esbuild virtual module). */
declare module 'accessctl:bundle' {
  import type {BundledPlugin} from './bundled-plugin.js'

  /** accessctl's own plugin first, then the bundled core plugins. */
  export const plugins: BundledPlugin[]
  /** package.json's name and version, and the flags that print the version (oclif's `--version` and additions). */
  export const cliName: string
  export const cliVersion: string
  export const versionFlags: string[]
  /** package.json's "oclif.helpClass", bundled: oclif's loadHelpClass calls this (scripts/build-binary.mjs). */
  export function loadHelpClass(target: string): Promise<unknown>
  /** sha256 of the embedded better-sqlite3 addon: the name of its file in the cache. */
  export const addonSha256: string
}
