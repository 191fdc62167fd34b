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

  // Waits for text printed after what the last `next` found: each prompt in turn, never a redraw of an earlier one.
  let seen = 0
  const next = async (text: string | RegExp, timeoutMs = 15_000) => {
    const started = Date.now()
    for (;;) {
      const rest = output.slice(seen)
      const found = typeof text === 'string' ? {index: rest.indexOf(text), length: text.length} : (() => {
        const match = text.exec(rest)
        return {index: match ? match.index : -1, length: match ? match[0].length : 0}
      })()
      if (found.index !== -1) {
        seen += found.index + found.length
        return
      }

      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(text)}; got:\n${output}`)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  }

  return {write: (keys: string) => pty.write(keys), waitFor, next, exited, output: () => output}
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
    await session.waitFor('How long may it live')
    session.write('\r') // the default ttl, 90d
    await session.waitFor('Label')
    session.write('\r') // no label
    await session.waitFor('Create this token?')
    expect(session.output()).toMatch(/grants: +role AuditDeveloper/)
    expect(session.output()).toMatch(/ttl: +90d/)
    session.write('\r') // Submit
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
    await session.waitFor('functions:')
    session.write('\u001B[B ') // '*' is first; tick consume
    await session.waitFor(/◉ consume|\(\*\) consume|◉.*consume/)
    session.write('\r')
    await session.waitFor('resources:')
    session.write('\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B\u001B[B ') // accounts, analyses, ..., datasets
    await session.waitFor(/◉ datasets|◉.*datasets/)
    session.write('\r')
    await session.waitFor('in accounts')
    session.write('\r') // the default: the token's own account
    await session.waitFor('or on these objects')
    session.write('\r')
    await session.waitFor('Add another grant?')
    session.write('\r') // no
    await session.waitFor('How long may it live')
    session.write('\r')
    await session.waitFor('Label')
    session.write('\r')
    await session.waitFor('Create this token?')
    session.write('\r')
    expect(await session.exited).toBe(0)
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(session.output())![0]
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {grants: unknown}
    expect(claims.grants).toEqual([{functions: ['consume'], resources: ['datasets'], accounts: [accountId], entities: []}])
  })

  const DOWN = '\u001B[B'
  const erase = (count: number) => '\u007F'.repeat(count)
  const claimsOf = (output: string) => {
    const token = /eyJ[\w-]+\.[\w-]+\.[\w-]+/.exec(output)![0]
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {grants: unknown; jti: string; iat: number; exp: number}
  }

  it('several grants with entities; an unknown account, a bad ttl are caught at their prompt and asked again; edit, then submit', async () => {
    const session = runOnTerminal(['tokens', 'create', '-t', 'account'], dir.storePath)
    await session.next('Account id (or name)')
    session.write('nobody\r')
    await session.next("no account with id or name 'nobody'")
    session.write(`${erase(6)}alice\r`)
    await session.next('What may the token do?')
    session.write(`${DOWN}${DOWN}`)
    await session.next(/❯ Custom grants|> Custom grants/)
    session.write('\r')
    await session.next('Grant 1: functions:')
    session.write(`${DOWN} `) // consume
    await session.next(/◉ consume/)
    session.write('\r')
    await session.next('Grant 1: resources:')
    session.write(`${DOWN.repeat(9)} `) // datasets
    await session.next(/◉ datasets/)
    session.write('\r')
    await session.next('Grant 1: in accounts')
    session.write('ghost\r')
    await session.next("no account with id or name 'ghost'")
    session.write(`${erase(5)}public\r`)
    await session.next('Grant 1: or on these objects')
    session.write('\r')
    await session.next('Add another grant?')
    session.write('y\r')
    await session.next('Grant 2: functions:')
    session.write(`${DOWN.repeat(3)} `) // get
    await session.next(/◉ get/)
    session.write('\r')
    await session.next('Grant 2: resources:')
    session.write(' ') // *
    session.write('\r')
    await session.next('Grant 2: in accounts')
    session.write('\r') // the token's own account
    await session.next('Grant 2: or on these objects')
    session.write('weather, churn\r')
    await session.next('Add another grant?')
    session.write('\r')
    await session.next('How long may it live')
    session.write('forever\r')
    await session.next('is not a duration')
    session.write(`${erase(7)}12h\r`)
    await session.next('Label')
    session.write('ci pipeline\r')
    await session.next('Create this token?')
    expect(session.output()).toContain(`account: alice (${accountId})`)
    expect(session.output()).toMatch(/ttl: +12h/)
    expect(session.output()).toMatch(/label: +ci pipeline/)
    const before = countRows(dir.storePath, 'tokens')
    session.write(`${DOWN}\r`) // Edit
    await session.next('Edit which part?')
    session.write(`${DOWN.repeat(3)}\r`) // Account, Grants, Ttl, Label
    await session.next('Label (optional')
    session.write('renamed\r')
    await session.next(/label: +renamed/)
    await session.next('Create this token?')
    expect(countRows(dir.storePath, 'tokens')).toBe(before)
    session.write('\r') // Submit
    expect(await session.exited).toBe(0)
    const claims = claimsOf(session.output())
    expect(claims.grants).toEqual([
      {functions: ['consume'], resources: ['datasets'], accounts: ['public'], entities: []},
      {functions: ['get'], resources: ['*'], accounts: [accountId], entities: ['weather', 'churn']},
    ])
    expect(claims.exp - claims.iat).toBe(12 * 3600)
    expect(countRows(dir.storePath, 'tokens', 'jti = ? AND label = ?', claims.jti, 'renamed')).toBe(1)
  })

  it('cancel at the review creates nothing (exit 2)', async () => {
    const before = countRows(dir.storePath, 'tokens')
    const session = runOnTerminal(['tokens', 'create', '-i', accountId, '--label', 'given'], dir.storePath)
    await session.next('What may the token do?')
    session.write(DOWN)
    await session.next(/❯ AuditDeveloper|> AuditDeveloper/)
    session.write('\r')
    await session.next('How long may it live')
    session.write('\r')
    await session.next('Create this token?')
    expect(session.output()).not.toMatch(/Label \(optional/) // given as a flag: not asked
    expect(session.output()).toMatch(/label: +given/)
    session.write(`${DOWN}${DOWN}\r`) // Cancel
    expect(await session.exited).toBe(2)
    expect(session.output()).toMatch(/aborted: no token was created/)
    expect(session.output()).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/)
    expect(countRows(dir.storePath, 'tokens')).toBe(before)
  })

  it('an ephemeral token: a ttl over 24h is refused at the prompt; edit the grants from the review', async () => {
    const session = runOnTerminal(['tokens', 'create', '-t', 'ephemeral', '-i', 'alice'], dir.storePath)
    await session.next('What may the token do?')
    session.write(DOWN)
    await session.next(/❯ AuditDeveloper|> AuditDeveloper/)
    session.write('\r')
    await session.next('How long may it live')
    session.write(`${erase(2)}48h\r`)
    await session.next('an ephemeral token lives at most 24h')
    session.write(`${erase(3)}2h\r`)
    await session.next('Label')
    session.write('\r')
    await session.next('Create this token?')
    session.write(`${DOWN}\r`) // Edit
    await session.next('Edit which part?')
    session.write(`\r`) // Grants (the account came from -i: not offered)
    await session.next('What may the token do?')
    session.write(`${DOWN}${DOWN}\r`) // Custom
    await session.next('Grant 1: functions:')
    session.write(`${DOWN.repeat(3)} \r`) // get
    await session.next('Grant 1: resources:')
    session.write(' \r') // *
    await session.next('Grant 1: in accounts')
    session.write('\r')
    await session.next('Grant 1: or on these objects')
    session.write('\r')
    await session.next('Add another grant?')
    session.write('\r')
    await session.next('Create this token?')
    expect(session.output()).toMatch(/type: +ephemeral/)
    session.write('\r')
    expect(await session.exited).toBe(0)
    const claims = claimsOf(session.output())
    expect(claims.exp - claims.iat).toBe(2 * 3600)
    expect(claims.grants).toEqual([{functions: ['get'], resources: ['*'], accounts: [accountId], entities: []}])
  })
})
