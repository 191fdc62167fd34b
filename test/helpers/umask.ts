import {spawn} from 'node:child_process'

import {type CliResult, cliCommand, PROJECT_ROOT} from './cli.js'

/**
 * The real CLI started by a shell that first sets umask 000, the widest a user can set: what accessctl creates must
 * be private because it asks for it, not because the caller's umask happened to be strict.
 */
export function runCliUmask0(args: string[], options: {env?: Record<string, string>; cwd?: string} = {}): Promise<CliResult> {
  const {file, prefix} = cliCommand()
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', ...options.env}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  delete env.ACCESSCTL_CONTEXT
  return new Promise((resolvePromise, reject) => {
    const child = spawn('sh', ['-c', 'umask 000; exec "$0" "$@"', file, ...prefix, ...args], {
      env,
      cwd: options.cwd ?? PROJECT_ROOT,
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code) =>
      resolvePromise({code: code ?? -1, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString()}),
    )
    child.stdin.end()
  })
}
