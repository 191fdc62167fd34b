import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {cliCommand} from './cli.js'

/**
 * A folder holding `accessctl`, the program under test (bin/run.js, or the single executable under
 * `npm run test:binary`), so that documented commands run as written. Returns the folder, for PATH.
 */
export function programOnPath(parent: string): string {
  const bin = join(parent, 'bin')
  mkdirSync(bin, {recursive: true})
  const {file, prefix} = cliCommand()
  const quoted = [file, ...prefix].map((word) => `'${word.replaceAll("'", `'\\''`)}'`).join(' ')
  writeFileSync(join(bin, 'accessctl'), `#!/bin/sh\nexec ${quoted} "$@"\n`)
  chmodSync(join(bin, 'accessctl'), 0o755)
  return bin
}

/**
 * The environment of a shell that runs documented examples: this process's, without any ACCESSCTL_ or XDG_
 * setting of the machine (so the store is the one `variables` names, or the default store under `home`), with
 * the program first on PATH and no colour.
 */
export function exampleShellEnv(bin: string, home: string, variables: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('ACCESSCTL_') && !key.startsWith('XDG_')) env[key] = value
  }

  return {
    ...env,
    PATH: `${bin}:${process.env.PATH}`,
    HOME: home,
    NO_COLOR: '1',
    // The single executable caches its SQLite addon: keep that cache where the other tests keep it.
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? home, '.cache'),
    ...variables,
  }
}
