import {chmodSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'
import {getRawAsset} from 'node:sea'

import {StoreError} from '../errors.js'

/** The SEA asset key of better-sqlite3's addon (scripts/build-binary.mjs puts it there). */
export const ADDON_ASSET = 'better_sqlite3.node'

/** `${XDG_CACHE_HOME:-~/.cache}/accessctl`: where the executable keeps the addon it extracted from itself. */
export function addonCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.trim() !== '' ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(cacheHome, 'accessctl')
}

/**
 * Loads better-sqlite3's addon out of the executable. `dlopen` needs a real file, so the asset is written once to
 * `<cache>/<sha256>.node`: named by content so that another build (or another Node ABI) never picks up a stale one,
 * and written to a private temp file then renamed, so two first runs at once each rename a complete file into place.
 */
export function loadEmbeddedAddon(sha256: string, env: NodeJS.ProcessEnv = process.env): object {
  const folder = addonCacheDir(env)
  const file = join(folder, `${sha256}.node`)
  if (!existsSync(file)) extractAddon(folder, file)
  const module = {exports: {}}
  process.dlopen(module, file)
  return module.exports
}

function extractAddon(folder: string, file: string): void {
  // Unique per process (pid) and attempt; node:crypto is not loaded for this, it costs start-up time.
  const temp = `${file}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`
  try {
    mkdirSync(folder, {recursive: true, mode: 0o700})
    chmodSync(folder, 0o700)
    writeFileSync(temp, new Uint8Array(getRawAsset(ADDON_ASSET) as ArrayBuffer), {mode: 0o700, flag: 'wx'})
    renameSync(temp, file)
  } catch (error) {
    removeQuietly(temp)
    // Without its addon no store can be opened: reported like any other unusable store (exit 6).
    throw new StoreError(`cannot write the SQLite addon to ${folder}: ${(error as Error).message}`, {
      cause: error,
      hint: 'Set XDG_CACHE_HOME to a writable folder: the executable keeps its SQLite addon there.',
    })
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, {force: true})
  } catch {
    // The folder itself is unusable: the error that matters is the one being reported.
  }
}
