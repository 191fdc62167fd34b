import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {PtySession} from '../helpers/pty.js'

/**
 * Issue 13.4: on a terminal, names next to ids and relative times; piped, bare ids and RFC 3339 times, and --json
 * the same document either way.
 */
let dir: TempDir
let aliceId: string
let jti: string
const RFC3339 = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/

beforeAll(async () => {
  dir = tempDir()
  const store = {store: dir.storePath}
  aliceId = (await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], store)).json.id
  expect((await runCli(['groups', 'create', 'admins', '--admin'], store)).code).toBe(0)
  expect((await runCli(['groups', 'add-member', 'admins', '-i', 'alice'], store)).code).toBe(0)
  const token = await runJson<{token: string; jti: string}>(['tokens', 'create', '-i', 'alice', '--role', 'Admin'], store)
  jti = token.json.jti
  const created = await runCli(['service', 'create', 'churn'], {...store, env: {ACCESSCTL_TOKEN: token.json.token}})
  expect(created.code, created.stderr).toBe(0)
}, 60_000)
afterAll(() => dir.cleanup())

async function onTerminal(args: string[]): Promise<string> {
  const session = new PtySession(args, {ACCESSCTL_STORE: dir.storePath})
  expect(await session.exit()).toBe(0)
  return session.text
}

describe('human output', () => {
  it('service get on a terminal: the owner and the creator by name, the time relative', async () => {
    const text = await onTerminal(['service', 'get', 'churn'])
    expect(text).toContain(`alice (${aliceId})`)
    expect(text).toMatch(new RegExp(`created:\\s+(\\d+ seconds? ago|just now) by account:alice \\(${aliceId}\\)/token:${jti}`))
    expect(text).not.toMatch(RFC3339)
  })

  it('service get piped: bare ids and RFC 3339', async () => {
    const {code, stdout} = await runCli(['service', 'get', 'churn'], {store: dir.storePath})
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`owner:\\s+${aliceId}\\n`))
    expect(stdout).toMatch(new RegExp(`created:\\s+${RFC3339.source} by account:${aliceId}/token:${jti}\\n`))
    expect(stdout).not.toContain('alice')
    expect(stdout).not.toMatch(/ ago|just now/)
  })

  it('tokens list: relative on a terminal ("in 3 months"), absolute piped', async () => {
    const text = await onTerminal(['tokens', 'list'])
    expect(text).toMatch(/in (2|3) months/)
    expect(text).not.toMatch(RFC3339)
    const piped = await runCli(['tokens', 'list'], {store: dir.storePath})
    expect(piped.stdout.split('\t')).toContain('alice')
    expect(piped.stdout).toMatch(RFC3339)
    expect(piped.stdout).not.toMatch(/ ago|in \d/)
  })

  it('audit list on a terminal names the account of a token actor; --json keeps the stored actor and time', async () => {
    const text = await onTerminal(['audit', 'list', '--action', 'service'])
    expect(text).toContain(`account:alice (${aliceId})/token:${jti}`)
    const {json} = await runJson<{items: Array<{actor: string; at: string}>}>(['audit', 'list', '--action', 'service'], {store: dir.storePath})
    expect(json.items[0].actor).toBe(`account:${aliceId}/token:${jti}`)
    expect(json.items[0].at).toMatch(RFC3339)
  })
})
