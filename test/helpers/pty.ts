import {spawn as spawnPty} from 'node-pty'

import {cliCommand, ISOLATED_CONFIG_HOME, PROJECT_ROOT} from './cli.js'

/**
 * Runs the CLI on a real pseudo-terminal, so that stdin and stdout are TTYs and the inquirer prompts appear, and
 * lets a test wait for text and type keys as a person would.
 */
export class PtySession {
  private output = ''
  private exitCode: number | undefined
  private readonly exited: Promise<number>
  private readonly pty

  constructor(args: string[], env: Record<string, string>) {
    const {file, prefix} = cliCommand()
    this.pty = spawnPty(file, [...prefix, ...args], {
      cols: 120,
      rows: 40,
      cwd: PROJECT_ROOT,
      env: {...(process.env as Record<string, string>), NO_COLOR: '1', XDG_CONFIG_HOME: ISOLATED_CONFIG_HOME, ...env},
    })
    this.pty.onData((data) => {
      this.output += data
    })
    this.exited = new Promise((resolve) => {
      this.pty.onExit(({exitCode}) => {
        this.exitCode = exitCode
        resolve(exitCode)
      })
    })
  }

  /** Everything printed so far, with terminal escape sequences removed. */
  get text(): string {
    // eslint-disable-next-line no-control-regex
    return this.output.replaceAll(/\u001B\[[0-9;?]*[A-Za-z]/g, '')
  }

  async waitFor(pattern: RegExp | string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    const matches = () => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text))
    while (!matches()) {
      if (this.exitCode !== undefined) throw new Error(`process exited (${this.exitCode}) before ${pattern}:\n${this.text}`)
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${this.text}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  type(keys: string): void {
    this.pty.write(keys)
  }

  exit(): Promise<number> {
    return this.exited
  }
}

export const KEYS = {enter: '\r', down: '\u001B[B', up: '\u001B[A', space: ' ', ctrlC: '\u0003'} as const
