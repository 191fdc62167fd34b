import {createRequire} from 'node:module'
import {getAsset} from 'node:sea'
import {compileFunction} from 'node:vm'

import type {ServeRuntime} from '../serve/loader.js'

/** The SEA asset key of serve's HTTP runtime (scripts/build-binary.mjs bundles src/serve/run.ts there). */
export const SERVE_ASSET = 'serve.cjs'

/**
 * Evaluates serve's runtime bundle (fastify, prom-client and src/serve) out of the executable. It requires only Node's
 * built-in modules, and shares nothing with the main bundle but the objects it is handed.
 */
export async function loadServeAsset(): Promise<ServeRuntime> {
  const source = getAsset(SERVE_ASSET, 'utf8')
  const filename = `${process.execPath}#${SERVE_ASSET}`
  const module = {exports: {}}
  const factory = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], {filename})
  factory(module.exports, createRequire(process.execPath), module, filename, process.execPath)
  return module.exports as ServeRuntime
}
