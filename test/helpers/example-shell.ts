import {spawn} from 'node:child_process'
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

export interface ScriptRun {
  status: number | null
  stdout: string
  stderr: string
}

/**
 * Runs bash on a script file and collects what it printed, without blocking the test worker: a worker that waits
 * in spawnSync for about a minute never reads vitest's own RPC replies, and the run fails with "Timeout calling
 * onTaskUpdate" though every test passed. `strict` adds -u (an unset variable fails) and pipefail.
 */
export function runBashScript(file: string, options: {cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number; strict?: boolean}): Promise<ScriptRun> {
  return new Promise((resolve, reject) => {
    const args = options.strict ? ['-u', '-o', 'pipefail', file] : [file]
    const child = spawn('bash', args, {cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], timeout: options.timeoutMs})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => resolve({status, stdout, stderr}))
  })
}
