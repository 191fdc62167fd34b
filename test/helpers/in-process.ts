import {Config, run} from '@oclif/core'
import {format} from 'node:util'

import type {CliResult} from './cli.js'
import {PROJECT_ROOT} from './cli.js'

let config: Config | undefined

/**
 * Runs the built CLI inside the test process: the same commands, parsing, errors and exit codes as a spawn, without
 * paying a Node start-up per case. For long tables of cases; life cycles and the executable itself stay spawned.
 * Cases must run one at a time (stdout, env and exitCode are process-wide). Human output is captured too: oclif's
 * `log` prints with console.log, which the test runner would otherwise take for the test's own output.
 */
export async function runInProcess(args: string[], options: {store: string; json?: boolean}): Promise<CliResult> {
  config ??= await Config.load(PROJECT_ROOT)
  const stdout: string[] = []
  const stderr: string[] = []
  const writeOut = process.stdout.write.bind(process.stdout)
  const writeErr = process.stderr.write.bind(process.stderr)
  const {log, error: logError} = console
  const savedStore = process.env.ACCESSCTL_STORE
  const savedExitCode = process.exitCode
  process.stdout.write = ((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0) as typeof process.stderr.write
  console.log = (...parts: unknown[]) => stdout.push(`${format(...parts)}\n`)
  console.error = (...parts: unknown[]) => stderr.push(`${format(...parts)}\n`)
  process.env.ACCESSCTL_STORE = options.store
  process.exitCode = undefined
  let code = 0
  try {
    await run(options.json ? [...args, '--json'] : args, config)
    code = Number(process.exitCode ?? 0)
  } catch (error) {
    code = (error as {oclif?: {exit?: number}}).oclif?.exit ?? 1
    stderr.push(String(error))
  } finally {
    process.stdout.write = writeOut
    process.stderr.write = writeErr
    console.log = log
    console.error = logError
    process.exitCode = savedExitCode
    if (savedStore === undefined) delete process.env.ACCESSCTL_STORE
    else process.env.ACCESSCTL_STORE = savedStore
  }

  return {code, stdout: stdout.join(''), stderr: stderr.join('')}
}
