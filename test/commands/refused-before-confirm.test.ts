import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {PtySession} from '../helpers/pty.js'
import {countRows} from '../helpers/store.js'

/**
 * A destructive command whose change would be refused says so at once, with the change's own error and exit code,
 * instead of asking for a confirmation it would then refuse anyway (and, off a terminal, instead of asking for --yes).
 */
describe('deletions that will be refused are refused before the confirmation', () => {
  let dir: TempDir
  let owner: string
  let lockKey: string
  const run = (args: string[], env: Record<string, string> = {}) => runCli(args, {store: dir.storePath, env})
  const must = async (args: string[], env: Record<string, string> = {}) => {
    const result = await run(args, env)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout.trim()
  }

  /** On a terminal: the exit code and everything shown; no question may have been asked. */
  async function onTerminal(args: string[], env: Record<string, string> = {}) {
    const session = new PtySession(args, {ACCESSCTL_STORE: dir.storePath, ...env})
    const code = await session.exit()
    return {code, text: session.text}
  }

  beforeAll(async () => {
    dir = tempDir()
    await must(['groups', 'create', 'makers', '--may-create-services'])
    owner = (await runJson<{id: string}>(['accounts', 'create', '-n', 'owner', '--group', 'makers'], {store: dir.storePath})).json.id
    const ownerToken = await must(['tokens', 'create', '-i', owner, '--role', 'AuditDeveloper'])
    await must(['service', 'create', 'churn'], {ACCESSCTL_TOKEN: ownerToken})
    await must(['service', 'versions', 'add', 'churn', 'v1'])
    await must(['infra', 'create', 'dev', '--stage', 'Development'])
    await must(['deployment', 'create', '--service', 'churn', '--infra', 'dev'])
    await must(['groups', 'create', 'viewers'])
    await must(['service', 'permissions', 'set', 'churn', '--group', 'viewers', '--read'])
    await must(['infra', 'permissions', 'set', 'dev', '--group', 'viewers', '--view'])
  })
  afterAll(() => dir.cleanup())

  const cases: Array<[string, string[], number, RegExp]> = [
    ['accounts delete of an owner without --transfer-to', ['accounts', 'delete', '-i', 'OWNER'], 5, /still owns 1 service/],
    ['service delete with a deployment', ['service', 'delete', 'churn'], 5, /still has 1 deployment/],
    ['infra delete with a deployment', ['infra', 'delete', 'dev'], 5, /still has 1 deployment/],
    ['service versions delete of a deployed version', ['service', 'versions', 'delete', 'churn', 'v1'], 5, /v1/],
    ['service keys delete of a key that does not exist', ['service', 'keys', 'delete', 'churn', '0123456789abcdef'], 4, /no key|not found|no .*key/i],
    ['tokens keys retire of the only signing key', ['tokens', 'keys', 'retire', 'KID'], 5, /only signing key/],
  ]

  it.each(cases)('%s: refused on a terminal without a question, and in a script without asking for --yes', async (_name, template, exitCode, message) => {
    const kid = (await runJson<{items: Array<{kid: string}>}>(['tokens', 'keys', 'list'], {store: dir.storePath})).json.items[0].kid
    const args = template.map((word) => (word === 'OWNER' ? owner : word === 'KID' ? kid : word))
    const before = countRows(dir.storePath, 'audit_log', "outcome = 'ok'")
    const shown = await onTerminal(args)
    expect(shown.code, shown.text).toBe(exitCode)
    expect(shown.text).toMatch(message)
    expect(shown.text).not.toMatch(/\? .*\(y\/N\)/)
    // Off a terminal without --yes: the refusal, not a request for --yes.
    const scripted = await run(args)
    expect(scripted.code).toBe(exitCode)
    expect(scripted.stderr).not.toMatch(/--yes/)
    expect(countRows(dir.storePath, 'audit_log', "outcome = 'ok'")).toBe(before)
  })

  it('deployment delete by a caller who may see it but not deploy: exit 3 before the question, audited once', async () => {
    const viewer = (await runJson<{id: string}>(['accounts', 'create', '-n', 'viewer', '--group', 'viewers'], {store: dir.storePath})).json.id
    const token = await must(['tokens', 'create', '-i', viewer, '--role', 'Admin', '--ttl', '1h'])
    const denied = countRows(dir.storePath, 'audit_log', "outcome = 'denied'")
    const shown = await onTerminal(['deployment', 'delete', 'churn-on-dev'], {ACCESSCTL_TOKEN: token})
    expect(shown.code, shown.text).toBe(3)
    expect(shown.text).toMatch(/needs 'deploy' on service churn/)
    expect(shown.text).not.toMatch(/Delete deployment/)
    expect(countRows(dir.storePath, 'audit_log', "outcome = 'denied'")).toBe(denied + 1)
    expect(countRows(dir.storePath, 'deployments')).toBe(1)
  })

  it('admin-key delete of the last key that never expires, on a locked store: exit 5 before the question', async () => {
    lockKey = await must(['admin-key', 'create', '--label', 'only'])
    await must(['admin-key', 'create', '--label', 'short', '--ttl', '1h'])
    await must(['store', 'lock', '--yes'])
    const id = (await runJson<{id: string}>(['admin-key', 'verify', lockKey], {store: dir.storePath})).json.id
    const shown = await onTerminal(['admin-key-delete', id], {ACCESSCTL_ADMIN_KEY: lockKey})
    expect(shown.code, shown.text).toBe(5)
    expect(shown.text).not.toMatch(/Delete admin key/)
    expect(countRows(dir.storePath, 'admin_keys')).toBe(2)
    await must(['store', 'unlock'], {ACCESSCTL_ADMIN_KEY: lockKey})
  })

  it('a deletion that will be accepted still asks, and keeps everything when declined', async () => {
    await must(['groups', 'create', 'temporary'])
    const session = new PtySession(['groups', 'delete', 'temporary'], {ACCESSCTL_STORE: dir.storePath})
    await session.waitFor("Delete group 'temporary'")
    session.type('n\r')
    expect(await session.exit()).toBe(2)
    expect(countRows(dir.storePath, 'groups', "name = 'temporary'")).toBe(1)
    // The rehearsal kept nothing: no audit row for a deletion that did not happen.
    expect(countRows(dir.storePath, 'audit_log', "action = 'groups.delete'")).toBe(0)
  })
})
