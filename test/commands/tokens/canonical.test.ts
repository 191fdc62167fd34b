import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'

/**
 * Issue 10, item 15: base64url decoders ignore the spare low bits of a segment's last character, so one token could
 * be spelled up to 16 ways and each spelling was accepted. Only the canonical spelling verifies, everywhere.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Every other spelling of the same bytes: the segment's last character with its spare bits set differently. */
function respellings(segment: string): string[] {
  const remainder = segment.length % 4
  if (remainder === 0) return []
  const spare = remainder === 2 ? 0x0f : 0x03
  const value = ALPHABET.indexOf(segment.at(-1)!)
  const spellings: string[] = []
  for (let bits = 0; bits <= spare; bits++) {
    const other = (value & ~spare) | bits
    if (other !== value) spellings.push(`${segment.slice(0, -1)}${ALPHABET[other]}`)
  }

  return spellings
}

/** The token with one of its three parts replaced. */
const withPart = (token: string, index: number, part: string) => token.split('.').map((p, i) => (i === index ? part : p)).join('.')

let dir: TempDir
let token: string
let variants: string[]
const run = (args: string[], env: Record<string, string> = {}, input?: string) => runCli(args, {store: dir.storePath, env, input})

beforeAll(async () => {
  dir = tempDir()
  for (const args of [
    ['groups', 'create', 'admins', '--admin'],
    ['accounts', 'create', '-n', 'alice', '-g', 'admins'],
    ['service', 'create', 'svc'],
    ['service', 'versions', 'add', 'svc', 'v1'],
    ['infra', 'create', 'dev', '--stage', 'Development'],
    ['deployment', 'create', '--service', 'svc', '--infra', 'dev'],
    ['deployment', 'auth', 'set', 'svc-on-dev', '--mode', 'api-keys'],
  ]) {
    const result = await run(args)
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  }

  // Entities of different lengths move the payload's length, so some token has a payload with spare bits too.
  for (let pad = 0; pad < 3; pad++) {
    const grants = ['-f', '*', '-r', '*', '-a', '*', '-e', `x${'y'.repeat(pad)}`]
    const created = await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'alice', ...grants])
    expect(created.code, created.stderr).toBe(0)
    token = created.stdout.trim()
    if (token.split('.')[1].length % 4 === 2) break
  }

  const parts = token.split('.')
  variants = parts.flatMap((part, index) => respellings(part).map((spelling) => withPart(token, index, spelling)))
}, 240_000)
afterAll(() => dir.cleanup())

describe('non-canonical token encodings', () => {
  it('the signature alone has 15 other spellings, and the payload some more', () => {
    const [, payload, signature] = token.split('.')
    expect(respellings(signature)).toHaveLength(15)
    expect(respellings(payload)).toHaveLength(15)
    expect(variants.length).toBeGreaterThanOrEqual(30)
  })

  it('tokens verify - accepts the canonical spelling only; every other one is malformed', async () => {
    const result = await run(['tokens', 'verify', '-'], {}, `${[token, ...variants].join('\n')}\n`)
    const verdicts = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as {valid: boolean; reason: string | null})
    expect(verdicts).toHaveLength(variants.length + 1)
    expect(verdicts[0]).toMatchObject({valid: true, reason: null})
    for (const verdict of verdicts.slice(1)) expect(verdict).toMatchObject({valid: false, reason: 'malformed'})
    expect(result.code).toBe(3)
  })

  it('a respelled token is refused as a credential, by tokens check, and by deployment authorize', async () => {
    const [variant] = variants.slice(-1)
    expect((await run(['accounts', 'list'], {ACCESSCTL_TOKEN: token})).code).toBe(0)
    const asCaller = await run(['accounts', 'list'], {ACCESSCTL_TOKEN: variant})
    expect(asCaller.code).toBe(3)
    expect(asCaller.stderr).toMatch(/invalid credential: token malformed/)

    const checked = await runJson<{reason: string}>(['tokens', 'check', variant, '-f', 'get', '-r', 'services'], {store: dir.storePath})
    expect(checked.code).toBe(3)
    expect(checked.json.reason).toBe('malformed')

    expect((await run(['deployment', 'authorize', 'svc-on-dev', '--bearer', token])).code).toBe(0)
    const authorized = await runJson<{admitted: boolean; reason: string}>(['deployment', 'authorize', 'svc-on-dev', '--bearer', variant], {store: dir.storePath})
    expect(authorized.json).toMatchObject({admitted: false, reason: 'token invalid: malformed'})
  })

  it('a segment whose length no encoding has (4n+1) is malformed', async () => {
    const oneTooMany = (segment: string) => `${segment}${'A'.repeat((5 - (segment.length % 4)) % 4)}`
    const parts = token.split('.')
    for (const bad of parts.map((part, index) => withPart(token, index, oneTooMany(part)))) {
      expect(bad.split('.').some((part) => part.length % 4 === 1)).toBe(true)
      const result = await runJson<{reason: string}>(['tokens', 'verify', bad], {store: dir.storePath})
      expect(result.json.reason, bad).toBe('malformed')
    }
  })
})
