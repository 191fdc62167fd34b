/** The module scripts/build-binary.mjs generates at bundle time (an esbuild virtual module). */
declare module 'accessctl:bundle' {
  import type {BundledPlugin} from './bundled-plugin.js'

  /** accessctl's own plugin first, then the bundled core plugins. */
  export const plugins: BundledPlugin[]
  /** sha256 of the embedded better-sqlite3 addon: the name of its file in the cache. */
  export const addonSha256: string
}
