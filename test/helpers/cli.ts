import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..')

/**
 * The program under test: `bin/run.js` on the machine's node, or the single executable when ACCESSCTL_TEST_BIN
 * names it (the e2e run of the same suite).
 */
export function cliCommand(): {file: string; prefix: string[]} {
  const bin = process.env.ACCESSCTL_TEST_BIN
  if (bin) return {file: resolve(bin), prefix: []}
  return {file: process.execPath, prefix: [join(PROJECT_ROOT, 'bin', 'run.js')]}
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  store?: string
  input?: string | Buffer
  env?: Record<string, string | undefined>
  cwd?: string
}

/** Runs the real CLI as a child process, never through a shell, and collects what it printed. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const {file, prefix} = cliCommand()
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1'}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  Object.assign(env, options.env)
  if (options.store) env.ACCESSCTL_STORE = options.store
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key]
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, [...prefix, ...args], {env, cwd: options.cwd ?? PROJECT_ROOT})
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      resolvePromise({code: code ?? -1, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString()})
    })
    child.stdin.on('error', () => {})
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
}

/** Runs the CLI with --json and parses stdout, failing loudly if stdout is not one JSON document. */
export async function runJson<T = unknown>(args: string[], options: RunOptions = {}): Promise<CliResult & {json: T}> {
  const result = await runCli([...args, '--json'], options)
  let json: T
  try {
    json = JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`stdout of '${args.join(' ')}' is not JSON (exit ${result.code}):\n${result.stdout}\n${result.stderr}`)
  }

  return {...result, json}
}

export interface TempDir {
  path: string
  storePath: string
  cleanup: () => void
}

export function tempDir(prefix = 'accessctl-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return {path, storePath: join(path, 'store.db'), cleanup: () => rmSync(path, {recursive: true, force: true})}
}

export interface ErrorJson {
  error: {code: string; message: string; exitCode: number}
}

/** No expected failure may show a stack trace. */
export function expectNoStackTrace(result: CliResult): void {
  if (/\n\s+at .+:\d+:\d+\)?/.test(result.stderr + result.stdout)) {
    throw new Error(`a stack trace was printed:\n${result.stderr}`)
  }
}
