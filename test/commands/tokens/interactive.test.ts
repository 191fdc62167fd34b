import {spawn as spawnPty} from 'node-pty'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'

/** Drives the real CLI through a pseudo-terminal, so stdin and stdout are TTYs and the prompts appear. */
function runOnTerminal(args: string[], storePath: string) {
  const env: Record<string, string> = {...(process.env as Record<string, string>), ACCESSCTL_STORE: storePath, NO_COLOR: '1'}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  const pty = spawnPty(process.execPath, [join(PROJECT_ROOT, 'bin', 'run.js'), ...args], {cols: 200, rows: 50, cwd: PROJECT_ROOT, env})
  let output = ''
  const exited = new Promise<number>((resolve) => pty.onExit(({exitCode}) => resolve(exitCode)))
  pty.onData((data) => {
    output += data
  })
  const waitFor = async (text: string | RegExp, timeoutMs = 15_000) => {
    const started = Date.now()
    while (!(typeof text === 'string' ? output.includes(text) : text.test(output))) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(text)}; got:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  return {write: (keys: string) => pty.write(keys), waitFor, exited, output: () => output}
}

describe('tokens create on a terminal', () => {
  let dir: TempDir
  let accountId: string
  beforeAll(async () => {
    dir = tempDir()
    accountId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})).json.id
  })
  afterAll(() => dir.cleanup())

  it('offers the roles, takes the one picked with the arrow keys, and prints the token', async () => {
    const session = runOnTerminal(['tokens', 'create', '-t', 'account', '-i', accountId], dir.storePath)
    await session.waitFor('What may the token do?')
    await session.waitFor('AuditDeveloper')
    session.write('\u001B[B') // down: from Admin to AuditDeveloper
    await session.waitFor(/❯ AuditDeveloper|> AuditDeveloper/)
    session.write('\r')
    expect(await session.exited).toBe(0)
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(session.output())?.[0]
    expect(token).toBeDefined()
    const claims = JSON.parse(Buffer.from(token!.split('.')[1], 'base64url').toString()) as {role: string; sub: string}
    expect(claims).toMatchObject({role: 'AuditDeveloper', sub: `Account/${accountId}`})
    expect(countRows(dir.storePath, 'tokens', 'role = ?', 'AuditDeveloper')).toBe(1)
  })

  it('asks before an Admin token and creates nothing when refused', async () => {
    const session = runOnTerminal(['tokens', 'create', '-i', accountId], dir.storePath)
    await session.waitFor('What may the token do?')
    session.write('\r')
    await session.waitFor('may do anything in every account')
    session.write('n\r')
    expect(await session.exited).toBe(2)
    expect(session.output()).toMatch(/aborted: no token was created/)
    expect(countRows(dir.storePath, 'tokens', 'role = ?', 'Admin')).toBe(0)
  })

  it('builds custom grants from checkboxes', async () => {
    const session = runOnTerminal(['tokens', 'create', '-i', accountId], dir.storePath)
    await session.waitFor('What may the token do?')
    session.write('\u001B[B\u001B[B')
    await session.waitFor(/❯ Custom grants|> Custom grants/)
    session.write('\r')
    await session.waitFor('Functions:')
    session.write('\u001B[B ') // '*' is first; tick consume
    await session.waitFor(/◉ consume|\(\*\) consume|◉.*consume/)
    session.write('\r')
    await session.waitFor('Resources:')
    session.write('\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B ') // accounts, analyses, ..., datasets
    await session.waitFor(/◉ datasets|◉.*datasets/)
    session.write('\r')
    await session.waitFor('In accounts')
    session.write('\r') // the default: the token's own account
    expect(await session.exited).toBe(0)
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(session.output())![0]
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {grants: unknown}
    expect(claims.grants).toEqual([{functions: ['consume'], resources: ['datasets'], accounts: [accountId], entities: []}])
  })
})
