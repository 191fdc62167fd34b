import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'
import {queryRows} from '../helpers/store.js'

/**
 * Issue 10, item 16: `service keys delete svc acsk_...` repeated the key in its error. No secret, not even a wrong
 * one, is ever echoed in a message or written to the audit log, by any command that takes a key or a token.
 */
let dir: TempDir
let serviceKey: string
let deploymentKey: string
let adminKey: string
let token: string
let outsiderToken: string

const run = (args: string[], env: Record<string, string> = {}) => runCli(args, {store: dir.storePath, env})

/** The part of a secret that must never show: everything after its prefix (or a token's header). */
function secretPart(secret: string): string {
  return secret.includes('.') ? secret.slice(secret.indexOf('.') + 1) : secret.slice(5)
}

function expectNotEchoed(result: CliResult, secret: string): void {
  const shown = result.stdout + result.stderr
  const body = secretPart(secret)
  // Not the secret, nor any 12 characters of it.
  for (let i = 0; i + 12 <= body.length; i += 6) expect(shown, `echoed: ${shown}`).not.toContain(body.slice(i, i + 12))
  expectNoStackTrace(result)
}

function expectNotAudited(secret: string): void {
  const body = secretPart(secret)
  const rows = queryRows<{row: string}>(dir.storePath, "SELECT coalesce(actor, '') || coalesce(target, '') || coalesce(detail, '') AS row FROM audit_log")
  for (const {row} of rows) for (let i = 0; i + 12 <= body.length; i += 6) expect(row).not.toContain(body.slice(i, i + 12))
}

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['service', 'create', 'svc', '--no-public'],
    ['service', 'versions', 'add', 'svc', 'v1'],
    ['infra', 'create', 'dev', '--stage', 'Development'],
    ['deployment', 'create', '--service', 'svc', '--infra', 'dev'],
    ['accounts', 'create', '-n', 'alice'],
    ['accounts', 'create', '-n', 'outsider'],
  ]) {
    const result = await run(args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  }

  serviceKey = (await runJson<{key: string}>(['service', 'keys', 'create', 'svc'], {store: dir.storePath})).json.key
  deploymentKey = (await runJson<{key: string}>(['deployment', 'keys', 'create', 'svc-on-dev'], {store: dir.storePath})).json.key
  adminKey = (await runJson<{key: string}>(['admin-key', 'create'], {store: dir.storePath})).json.key
  token = (await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', '--role', 'AuditDeveloper'])).stdout.trim()
  outsiderToken = (await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'outsider', '--role', 'AuditDeveloper'])).stdout.trim()
}, 240_000)
afterAll(() => dir.cleanup())

describe('secrets are never echoed', () => {
  it('the reproduction: service keys delete given the key instead of its id is exit 2, and names neither', async () => {
    const result = await run(['service', 'keys', 'delete', 'svc', serviceKey, '--yes'])
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/is a key itself, not its id/)
    expectNotEchoed(result, serviceKey)
  })

  it.each<[string, () => string[], () => string, number]>([
    ['deployment keys delete given the key', () => ['deployment', 'keys', 'delete', 'svc-on-dev', deploymentKey, '--yes'], () => deploymentKey, 2],
    ['service keys delete given another kind of key', () => ['service', 'keys', 'delete', 'svc', adminKey, '--yes'], () => adminKey, 2],
    ['service keys delete given a mangled key', () => ['service', 'keys', 'delete', 'svc', `x${serviceKey}`, '--yes'], () => serviceKey, 2],
    ['service keys delete with the key in place of the service', () => ['service', 'keys', 'delete', serviceKey, 'abc', '--yes'], () => serviceKey, 2],
    ['admin-key delete given a wrong key', () => ['admin-key', 'delete', `${adminKey}x`, '--yes'], () => adminKey, 4],
    ['admin-key delete given a key with a typo in its prefix', () => ['admin-key', 'delete', adminKey.replace('acak_', 'acak-'), '--yes'], () => adminKey, 2],
    ['admin-key delete by a token that may not', () => ['admin-key', 'delete', adminKey.replace('acak_', 'acak-'), '--yes', '--token', outsiderToken], () => adminKey, 3],
    ['admin-key verify given a wrong key', () => ['admin-key', 'verify', `${adminKey}x`], () => adminKey, 3],
    ['tokens get given the token instead of its jti', () => ['tokens', 'get', token], () => token, 2],
    ['tokens revoke given the token instead of its jti', () => ['tokens', 'revoke', token, '--yes'], () => token, 2],
    ['tokens keys retire given a token', () => ['tokens', 'keys', 'retire', token, '--yes'], () => token, 4],
    ['an unexpected argument that is a key', () => ['service', 'keys', 'delete', 'svc', 'abc', serviceKey, '--yes'], () => serviceKey, 2],
    ['deployment authorize given a key as its id', () => ['deployment', 'authorize', deploymentKey], () => deploymentKey, 2],
    ['a wrong --admin-key', () => ['accounts', 'list', '--admin-key', `${adminKey}x`], () => adminKey, 3],
    ['a revoked-looking --token', () => ['accounts', 'list', '--token', `${token}x`], () => token, 3],
  ])('%s: the right exit code, and the secret is not shown', async (_label, args, secret, code) => {
    const result = await run(args())
    expect(result.code, result.stderr).toBe(code)
    expectNotEchoed(result, secret())
    const json = await run([...args(), '--json'])
    expectNotEchoed(json, secret())
  })

  it('nor written to the audit log', () => {
    for (const secret of [serviceKey, deploymentKey, adminKey, token]) expectNotAudited(secret)
  })
})
