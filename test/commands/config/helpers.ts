import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {type CliResult, runCli, type RunOptions, runJson} from '../../helpers/cli.js'

/**
 * The CLI with a config home and a data home of the test's own: no context, store or credential of the machine's
 * leaks in, and the default store is one the test can see.
 */
export function contextCli(root: () => string) {
  const env = (extra: Record<string, string | undefined> = {}) => ({
    XDG_CONFIG_HOME: join(root(), 'config'),
    XDG_DATA_HOME: join(root(), 'data'),
    ACCESSCTL_STORE: undefined,
    ACCESSCTL_CONTEXT: undefined,
    ...extra,
  })
  const options = (extra?: Record<string, string | undefined>, rest: Omit<RunOptions, 'env' | 'store'> = {}): RunOptions => ({cwd: root(), ...rest, env: env(extra)})
  return {
    configFile: () => join(root(), 'config', 'accessctl', 'config.yaml'),
    defaultStore: () => join(root(), 'data', 'accessctl', 'store.db'),
    run: (args: string[], extra?: Record<string, string | undefined>, rest?: Omit<RunOptions, 'env' | 'store'>): Promise<CliResult> => runCli(args, options(extra, rest)),
    json: <T>(args: string[], extra?: Record<string, string | undefined>, rest?: Omit<RunOptions, 'env' | 'store'>) => runJson<T>(args, options(extra, rest)),
  }
}

/** The config file's bytes, or undefined: what "nothing written" compares. */
export function fileBytes(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}
