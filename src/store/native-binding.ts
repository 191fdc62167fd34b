/**
 * Where better-sqlite3's compiled addon comes from. Under a normal Node install nothing is set and better-sqlite3
 * finds its own build in node_modules. The single executable has no node_modules: its entry point registers a
 * loader here before any command runs, and Store.open asks for the addon only when it opens a store, so commands
 * that never touch the store (`--version`, `--help`) never extract or load it.
 */
export type NativeBindingLoader = () => object

let loader: NativeBindingLoader | undefined
let loaded: object | undefined

export function setNativeBindingLoader(load: NativeBindingLoader | undefined): void {
  loader = load
  loaded = undefined
}

/** The addon to hand to better-sqlite3 as `nativeBinding`, or undefined to let it find its own. */
export function nativeBinding(): object | undefined {
  if (!loader) return undefined
  loaded ??= loader()
  return loaded
}
