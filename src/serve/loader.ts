/**
 * Where the serve command gets its HTTP runtime (./run.js, with fastify and prom-client). The npm package imports
 * it; the single executable registers a loader that evaluates it from a bundle of its own (a SEA asset), so that
 * the main bundle every other command starts from stays as small as before serve existed.
 */
export type ServeRuntime = typeof import('./run.js')

let loader: (() => Promise<ServeRuntime>) | undefined

export function setServeRuntimeLoader(load: (() => Promise<ServeRuntime>) | undefined): void {
  loader = load
}

export function loadServeRuntime(): Promise<ServeRuntime> {
  // scripts/build-binary.mjs leaves this import out of the executable's main bundle.
  return loader ? loader() : import('./run.js')
}
