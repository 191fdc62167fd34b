import {spawn} from 'node:child_process'
import {closeSync, mkdtempSync, openSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {expect} from 'vitest'

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..')

/**
 * The contexts file the CLI under test reads unless a test names another: a path nothing creates, so that the
 * developer's own ~/.config/accessctl (a current-context) never changes what a test sees.
 */
export const ISOLATED_CONFIG_HOME = join(tmpdir(), `accessctl-tests-no-config-${process.pid}`)

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
  /** A file to give the program as its stdin instead of `input`, e.g. /dev/zero (as `< /dev/zero` does). */
  stdinFile?: string
  env?: Record<string, string | undefined>
  cwd?: string
}

/** Runs the real CLI as a child process, never through a shell, and collects what it printed. */
export function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const {file, prefix} = cliCommand()
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: ISOLATED_CONFIG_HOME}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  delete env.ACCESSCTL_CONTEXT
  Object.assign(env, options.env)
  if (options.store) env.ACCESSCTL_STORE = options.store
  for (const [key, value] of Object.entries(options.env ?? {})) if (value === undefined) delete env[key]
  const stdinFd = options.stdinFile === undefined ? undefined : openSync(options.stdinFile, 'r')
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, [...prefix, ...args], {env, cwd: options.cwd ?? PROJECT_ROOT, stdio: [stdinFd ?? 'pipe', 'pipe', 'pipe']})
    if (stdinFd !== undefined) closeSync(stdinFd)
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      resolvePromise({code: code ?? -1, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString()})
    })
    if (!child.stdin) return
    child.stdin.on('error', () => {})
    if (options.input !== undefined) child.stdin.end(options.input)
    else child.stdin.end()
  })
}

/**
 * Runs the CLI with an endless stdin: `chunk` written again and again, as fast as the program reads, until it
 * exits. `bytesWritten` tells how far it read (plus what the pipe buffers: 64 KiB on Linux).
 */
export function runCliWithEndlessStdin(args: string[], chunk: Buffer, options: RunOptions = {}): Promise<CliResult & {bytesWritten: number}> {
  const {file, prefix} = cliCommand()
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: ISOLATED_CONFIG_HOME, ...options.env}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  delete env.ACCESSCTL_CONTEXT
  if (options.store) env.ACCESSCTL_STORE = options.store
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, [...prefix, ...args], {env, cwd: options.cwd ?? PROJECT_ROOT})
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    let bytesWritten = 0
    let exited = false
    child.stdout.on('data', (data: Buffer) => stdout.push(data))
    child.stderr.on('data', (data: Buffer) => stderr.push(data))
    child.stdin.on('error', () => {})
    const feed = () => {
      while (!exited && child.stdin.writable) {
        bytesWritten += chunk.length
        if (!child.stdin.write(chunk)) {
          child.stdin.once('drain', feed)
          return
        }
      }
    }

    child.on('error', reject)
    child.on('exit', () => {
      exited = true
    })
    child.on('close', (code) => {
      resolvePromise({code: code ?? -1, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), bytesWritten})
    })
    feed()
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

/**
 * runCli and runJson against one store, and `must` (exit 0 or the test fails with stderr; stdout trimmed), for a test
 * file whose store is made in beforeAll: `store` is read at each call.
 */
export function cliOn(store: () => string) {
  type Options = Omit<RunOptions, 'store'>
  const run = (args: string[], options: Options = {}) => runCli(args, {...options, store: store()})
  const json = <T>(args: string[], options: Options = {}) => runJson<T>(args, {...options, store: store()})
  const must = async (args: string[], options: Options = {}) => {
    const result = await run(args, options)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout.trim()
  }

  return {run, json, must}
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
