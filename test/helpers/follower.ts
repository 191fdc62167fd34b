import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'

import {cliCommand, type CliResult, PROJECT_ROOT} from './cli.js'

/**
 * The real CLI left running in the background (`audit list --follow`), piped like `runCli`'s children: a test waits
 * for what it printed, writes with other CLI processes meanwhile, and ends it with a signal or lets it end.
 */
export class Follower {
  private out = ''
  private err = ''
  private readonly child: ChildProcessWithoutNullStreams
  private readonly closed: Promise<CliResult>

  constructor(args: string[], options: {store: string; env?: Record<string, string>}) {
    const {file, prefix} = cliCommand()
    const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', ACCESSCTL_STORE: options.store, ...options.env}
    if (!options.env?.ACCESSCTL_TOKEN) delete env.ACCESSCTL_TOKEN
    if (!options.env?.ACCESSCTL_ADMIN_KEY) delete env.ACCESSCTL_ADMIN_KEY
    this.child = spawn(file, [...prefix, ...args], {env, cwd: PROJECT_ROOT})
    this.child.stdin.end()
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.out += chunk.toString()
    })
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.err += chunk.toString()
    })
    this.closed = new Promise((resolve, reject) => {
      this.child.on('error', reject)
      this.child.on('close', (code, signal) => resolve({code: code ?? (signal ? -1 : -2), stdout: this.out, stderr: this.err}))
    })
  }

  get stdout(): string {
    return this.out
  }

  /** Complete lines printed so far. */
  get lines(): string[] {
    return this.out.split('\n').slice(0, -1)
  }

  async waitForLines(count: number, timeoutMs = 15_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs
    while (this.lines.length < count) {
      if (this.child.exitCode !== null) throw new Error(`the follower exited (${this.child.exitCode}) after ${this.lines.length} lines:\n${this.out}\n${this.err}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} lines, got ${this.lines.length}:\n${this.out}\n${this.err}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }

    return this.lines
  }

  /** Stops reading its output, as `| head -1` does once it has its line. */
  closeOutput(): void {
    this.child.stdout.destroy()
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name)
  }

  exit(): Promise<CliResult> {
    return this.closed
  }

  /** For afterEach: a follower a failed test left running is not left behind. */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL')
  }
}
