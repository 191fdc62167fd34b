import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'

/** `accessctl autocomplete [SHELL]` (the setup line) and `autocomplete script SHELL` (the script), on the real CLI. */

let dir: TempDir
let credentials: Record<string, Record<string, string>>
beforeAll(async () => {
  dir = tempDir()
  const bob = await runJson<{id: string}>(['accounts', 'create', '-n', 'bob@example.com'], {store: dir.storePath})
  const token = (await runJson<{token: string}>(['tokens', 'create', '-i', bob.json.id, '--role', 'Admin'], {store: dir.storePath})).json.token
  const adminKey = (await runCli(['admin-key', 'create', '--label', 'k'], {store: dir.storePath})).stdout.trim()
  credentials = {operator: {}, 'an admin key': {ACCESSCTL_ADMIN_KEY: adminKey}, 'a non-admin token': {ACCESSCTL_TOKEN: token}}
})
afterAll(() => dir.cleanup())

describe('autocomplete', () => {
  it('shows the line that sets up bash or zsh, for any caller', async () => {
    for (const [who, env] of Object.entries(credentials)) {
      const bash = await runCli(['autocomplete', 'bash'], {store: dir.storePath, env})
      expect(bash.code, who).toBe(0)
      expect(bash.stdout, who).toBe('Shell completion for bash: add this line to ~/.bashrc, then open a new shell:\neval "$(accessctl autocomplete script bash)"\n')
    }

    const zsh = await runJson(['autocomplete'], {store: dir.storePath, env: {SHELL: '/usr/bin/zsh'}})
    expect(zsh.json).toEqual({shell: 'zsh', rcFile: '~/.zshrc', line: 'eval "$(accessctl autocomplete script zsh)"'})
  })

  it('refuses a shell it has no script for (exit 2), and writes nothing', async () => {
    const store = join(dir.path, 'untouched', 'store.db')
    const fish = await runCli(['autocomplete', 'fish'], {store})
    expect(fish.code).toBe(2)
    expect(fish.stderr).toMatch(/fish/)
    const unknown = await runJson<{error: {message: string}}>(['autocomplete'], {store, env: {SHELL: '/usr/bin/fish'}})
    expect(unknown.code).toBe(2)
    expect(unknown.json.error.message).toBe('cannot tell your shell from $SHELL (fish): give bash or zsh')
    const script = await runCli(['autocomplete', 'script'], {store})
    expect(script.code).toBe(2)
    expect(script.stdout).toBe('')
    expect(existsSync(join(dir.path, 'untouched'))).toBe(false)
  })

  it.each(['bash', 'zsh'] as const)('prints a %s script the shell parses, that asks __complete', async (shell) => {
    for (const [who, env] of Object.entries(credentials)) {
      const printed = await runCli(['autocomplete', 'script', shell], {store: dir.storePath, env})
      expect(printed.code, who).toBe(0)
      expect(printed.stdout).toContain(`command accessctl __complete ${shell} --`)
      const parsed = spawnSync(shell, ['-n'], {input: printed.stdout})
      if (parsed.error && !process.env.CI) continue
      expect(parsed.status, String(parsed.stderr)).toBe(0)
    }

    const {json} = await runJson<{shell: string; script: string}>(['autocomplete', 'script', shell], {store: dir.storePath})
    expect(json.shell).toBe(shell)
    expect(json.script).toBe((await runCli(['autocomplete', 'script', shell], {store: dir.storePath})).stdout.trimEnd() + '\n')
  })
})
