import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {runCli, type TempDir, tempDir} from '../../helpers/cli.js'
import {type CompletingShell, hasShell, ShellSession} from '../../helpers/shell-pty.js'

/**
 * Completion as a person meets it: a real bash and a real zsh on a pseudo-terminal, set up as `accessctl
 * autocomplete` says, a line typed and TAB pressed. What the shell put on the line is read back from the screen,
 * then run, so a name must arrive as one argument, exactly as stored.
 */

// An account name an administrator may give, made to run a command if a completion script ever evaluated it.
const HOSTILE_NAME = "x$(touch pwned) 'y'"

let dir: TempDir
beforeAll(async () => {
  dir = tempDir()
  const applied = await runCli(['apply', '-f', '-'], {
    store: dir.storePath,
    input: `apiVersion: accessctl/v1
groups:
  - name: devops
accounts:
  - name: alice@example.com
    groups: [devops]
  - name: ${JSON.stringify(HOSTILE_NAME)}
infrastructures:
  - id: prod-us
    stage: Production
  - id: qa
    stage: Test
services:
  - id: churn
  - id: chat
`,
  })
  expect(applied.code, applied.stderr).toBe(0)
})
afterAll(() => dir.cleanup())

describe.each<CompletingShell>(['bash', 'zsh'])('completion in a real %s', (shell) => {
  const available = hasShell(shell) || Boolean(process.env.CI)
  let session: ShellSession
  let home: string
  afterEach(() => session?.close())

  const start = async () => {
    home = join(dir.path, `${shell}-${Math.random().toString(36).slice(2)}`)
    mkdirSync(home)
    session = await ShellSession.start(shell, home, {ACCESSCTL_STORE: dir.storePath})
  }

  it.skipIf(!available)('completes command words, flag names and a flag’s fixed values', async () => {
    await start()
    await session.complete('accessctl servi', /accessctl service $/)
    await session.complete('perm', /accessctl service permissions $/)
    await session.clearLine()
    await session.complete(`accessctl infra create qa-${shell} --sta`, /--stage $/)
    await session.complete('Pro', /--stage Production $/)
    expect(await session.enter()).toContain(`created infrastructure: 'qa-${shell}' (Production)`)
  })

  it.skipIf(!available)('completes the services and infrastructures in the store named by ACCESSCTL_STORE', async () => {
    await start()
    await session.complete('accessctl service get chu', /service get churn $/)
    expect(await session.enter()).toMatch(/churn/)
    await session.complete('accessctl deployment create --service chat --infra prod', /--infra prod-us $/)
    await session.clearLine()
    // Two candidates: both are listed under the line, which keeps what they share.
    const listed = await session.complete('accessctl service get ch', /service get ch\n[\s\S]*chat[\s\S]*churn/)
    expect(listed).not.toMatch(/prod-us|alice/)
    await session.clearLine()
    // zsh shows each candidate's description: here the infrastructure's stage.
    const infrastructures = await session.complete('accessctl deployment list --infra ', /prod-us[\s\S]*qa/)
    if (shell === 'zsh') expect(infrastructures).toMatch(/prod-us\s+-- Production/)
  })

  it.skipIf(!available)('completes can-i’s question: the action, the target’s kind without a space after its slash, then the id', async () => {
    await start()
    await session.complete('accessctl auth can-i re', /can-i read $/)
    await session.complete('ser', /can-i read service\/$/)
    await session.complete('chu', /can-i read service\/churn $/)
    expect(await session.enter()).toMatch(/^yes$/m)
  })

  it.skipIf(!available)('completes the item after the last comma of a list, keeping the items before it', async () => {
    await start()
    // bash's printf %q writes the comma as \, (brace expansion would split it), which the shell reads as a comma.
    await session.complete('accessctl tokens create -i alice@example.com --ttl 1h -r datasets,mode', /-r datasets\\?,models $/)
    await session.complete('-f cons', /-f consume $/)
    expect(await session.enter()).toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)
  })

  it.skipIf(!available)('completes file names for -f', async () => {
    await start()
    writeFileSync(join(home, 'plan-document.yaml'), 'apiVersion: accessctl/v1\n')
    await session.complete('accessctl apply --dry-run -f plan-d', /-f plan-document\.yaml $/)
  })

  it.skipIf(!available)('inserts a hostile name quoted, so it runs as one argument and never as a command', async () => {
    await start()
    // Each shell quotes in its own way (bash: printf %q; zsh: compadd), both with backslashes here.
    await session.complete('accessctl accounts get -n x', /accounts get -n x\\\$\\\(touch\\ pwned\\\)\\ \\'y\\' $/)
    const printed = await session.enter()
    expect(printed).toContain(HOSTILE_NAME)
    expect(existsSync(join(home, 'pwned'))).toBe(false)
  })
})
