import {spawnSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {spawn as spawnPty} from 'node-pty'

import {exampleShellEnv, programOnPath} from './example-shell.js'

export type CompletingShell = 'bash' | 'zsh'

/** Whether the shell is installed; CI installs both (.ci/run), so there a missing one fails rather than skips. */
export function hasShell(shell: CompletingShell): boolean {
  return spawnSync(shell, ['-c', 'true']).status === 0
}

/**
 * An interactive bash or zsh on a pseudo-terminal, with accessctl on PATH and its completion script loaded from the
 * rc file as a user's would be (`eval "$(accessctl autocomplete script SHELL)"`), so a test types a line and TAB as
 * a person does and reads what the shell made of it.
 */
export class ShellSession {
  private output = ''
  private readonly pty

  private constructor(shell: CompletingShell, folder: string, variables: Record<string, string>) {
    const bin = programOnPath(folder)
    const env = exampleShellEnv(bin, folder, {...variables, TERM: 'xterm'})
    let args: string[]
    if (shell === 'bash') {
      const rc = join(folder, 'bashrc')
      // One TAB lists the candidates when there are several; no bell, no pager.
      writeFileSync(
        rc,
        `PS1='READY> '\nbind 'set show-all-if-ambiguous on'\nbind 'set bell-style none'\nbind 'set completion-query-items 0'\nbind 'set enable-bracketed-paste off'\neval "$(accessctl autocomplete script bash)"\n`,
      )
      args = ['--noprofile', '--rcfile', rc, '-i']
    } else {
      writeFileSync(
        join(folder, '.zshrc'),
        `PS1='READY> '\nunsetopt prompt_sp prompt_cr beep\nunset zle_bracketed_paste\nautoload -Uz compinit && compinit -u\neval "$(accessctl autocomplete script zsh)"\n`,
      )
      env.ZDOTDIR = folder
      args = ['-i']
    }

    this.pty = spawnPty(shell, args, {cols: 200, rows: 50, cwd: folder, env})
    this.pty.onData((data) => {
      this.output += data
    })
  }

  static async start(shell: CompletingShell, folder: string, variables: Record<string, string>): Promise<ShellSession> {
    const session = new ShellSession(shell, folder, variables)
    await session.waitUntil(() => /READY> $/.test(session.text.trimEnd() + ' '), 'the first prompt')
    return session
  }

  /** The screen as a terminal shows what was printed: shells redraw the line with \b, \r and erase sequences. */
  get text(): string {
    return renderScreen(this.output)
  }

  /** Waits for a prompt after those on the screen now, with nothing typed after it: the shell is ready for a line. */
  async waitForPrompt(): Promise<void> {
    const seen = this.text.split('READY> ').length
    await this.waitUntil(() => {
      const screen = this.text
      return screen.split('READY> ').length > seen && /READY> $/.test(screen.trimEnd() + ' ')
    }, 'a new prompt')
  }

  /** Types `line` then TAB, and waits until what the shell shows from the current prompt on matches `pattern`. */
  async complete(line: string, pattern: RegExp): Promise<string> {
    // What follows the prompt the line is typed at, a list of candidates and the prompt redrawn under it included.
    const prompts = this.text.split('READY> ').length - 1
    this.pty.write(`${line}\t`)
    let shown = ''
    await this.waitUntil(() => {
      shown = this.text.split('READY> ').slice(prompts).join('READY> ')
      return pattern.test(shown)
    }, String(pattern))
    return shown
  }

  /** Runs what is on the line (Enter) and returns what it printed, up to the next prompt. */
  async enter(): Promise<string> {
    const before = this.text.length
    this.pty.write('\r')
    await this.waitForPrompt()
    return this.text.slice(before).split('READY> ')[0]
  }

  /** Clears the line (Ctrl-U), and waits a moment for the shell to redraw. */
  async clearLine(): Promise<void> {
    this.pty.write('\u0003')
    await this.waitForPrompt()
  }

  close(): void {
    this.pty.kill()
  }

  private async waitUntil(done: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.text}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }
}

/**
 * A small terminal: printable characters overwrite at the cursor; \r, \b, \n and the cursor and erase sequences
 * that bash's readline and zsh's line editor use move it or clear; other escape sequences (colours, modes) are
 * dropped. Enough to read the line a shell shows after TAB.
 */
export function renderScreen(output: string): string {
  const lines: string[][] = [[]]
  let row = 0
  let column = 0
  const line = () => (lines[row] ??= [])
  for (let index = 0; index < output.length; index++) {
    const character = output[index]
    if (character === '\u001B') {
      const csi = /^\[([0-9;?]*)([A-Za-z@])/.exec(output.slice(index + 1, index + 20))
      if (!csi) {
        // ESC = and ESC > (keypad modes), ESC ( B (character sets), ESC ] ... BEL (titles): nothing shown.
        const rest = output.slice(index + 1)
        // eslint-disable-next-line no-control-regex
        const osc = /^\][^\u0007]*\u0007/.exec(rest)
        index += osc ? osc[0].length : /^[()]/.test(rest) ? 2 : 1
        continue
      }

      index += csi[0].length
      const count = Number(csi[1] || '1')
      switch (csi[2]) {
        case 'C': column += count; break
        case 'D': column = Math.max(0, column - count); break
        case 'A': row = Math.max(0, row - count); break
        case 'B': row += count; break
        case 'K': line().length = Math.min(line().length, column); break
        case 'J': line().length = Math.min(line().length, column); lines.length = row + 1; break
        case 'G': column = count - 1; break
        default: break
      }

      continue
    }

    if (character === '\r') column = 0
    else if (character === '\b') column = Math.max(0, column - 1)
    else if (character === '\n') {
      row++
      column = 0
    } else if (character >= ' ' || character === '\t') {
      const current = line()
      while (current.length < column) current.push(' ')
      current[column++] = character
    }
  }

  return lines.map((cells) => (cells ?? []).join('')).join('\n')
}
