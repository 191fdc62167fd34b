import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {createAccount, deleteAccount} from '../../src/domain/accounts.js'
import type {Caller, Context} from '../../src/domain/context.js'
import {createGroup, addMembers} from '../../src/domain/groups.js'
import {isCanonicalBase64url, MAX_TOKEN_ANCESTORS, type TokenLink} from '../../src/core/token-format.js'
import {createToken, type CreatedToken} from '../../src/domain/token-mint.js'
import {tokenCaller, TokenVerifier, type VerifiedToken, verifyToken} from '../../src/domain/token-verifier.js'
import {revokeAccountTokens, revokeToken} from '../../src/domain/tokens.js'
import {DeniedError, NotFoundError, UsageError} from '../../src/errors.js'
import {Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'
import {claimsFor, decodePart, signJwt, storeSigningKey, strangerKey} from '../helpers/tokens.js'

/** The domain functions another module calls: verifyToken to resolve `--token`, createToken under a token caller. */
describe('createToken and verifyToken', () => {
  let dir: TempDir
  let store: Store
  let operator: Context
  let alice: string
  let bob: string

  beforeEach(() => {
    dir = tempDir()
    store = Store.open(dir.storePath)
    operator = {store, caller: {kind: 'operator', user: 'test'}}
    alice = createAccount(operator, {name: 'alice'}).id
    bob = createAccount(operator, {name: 'bob'}).id
  })
  afterEach(() => {
    store.close()
    dir.cleanup()
  })

  async function callerFor(account: string, input: {role?: string; ttlSeconds?: number}): Promise<Caller> {
    const created = await createToken(operator, {type: 'account', account, ...input})
    const verified = verifyToken(store.db, created.token)
    expect(verified.valid).toBe(true)
    return tokenCaller(verified as VerifiedToken)
  }

  it('verifyToken returns the claims of a valid token, and the reason for an invalid one', async () => {
    const created = await createToken(operator, {type: 'account', account: 'alice', role: 'AuditDeveloper', ttlSeconds: 3600})
    const verified = verifyToken(store.db, created.token)
    expect(verified).toMatchObject({valid: true, jti: created.jti, accountId: alice, type: 'account', role: 'AuditDeveloper'})
    expect((verified as VerifiedToken).expiresAt.toISOString()).toBe(created.expiresAt)
    expect(verifyToken(store.db, created.token, new Date(Date.parse(created.expiresAt) + 1000))).toMatchObject({valid: false, reason: 'expired'})
    expect(verifyToken(store.db, created.token, new Date(Date.parse(created.issuedAt) - 1000))).toMatchObject({valid: false, reason: 'not_yet_valid'})
    const lastOfSignature = created.token.at(-1) === 'A' ? 'Q' : 'A'
    expect(verifyToken(store.db, `${created.token.slice(0, -1)}${lastOfSignature}`)).toMatchObject({valid: false, reason: 'bad_signature'})
  })

  it('a token mints for its own account only within its grants and its lifetime', async () => {
    const developer = {store, caller: await callerFor(alice, {role: 'AuditDeveloper', ttlSeconds: 7200})}
    const narrower = await createToken(developer, {type: 'ephemeral', account: alice, grants: [{resources: ['models'], functions: ['get'], accounts: ['*'], entities: []}]})
    expect(narrower.accountId).toBe(alice)

    await expect(createToken(developer, {type: 'ephemeral', account: alice, role: 'Admin'})).rejects.toThrow(/grant more than the token creating it/)
    await expect(createToken(developer, {type: 'account', account: alice, role: 'AuditDeveloper', ttlSeconds: 3 * 3600})).rejects.toThrow(
      /outlive the token creating it/,
    )
    // Bob's account does not exist for alice's token: the answer a missing account gets (issue 17, item 3).
    await expect(createToken(developer, {type: 'ephemeral', account: bob, role: 'AuditDeveloper'})).rejects.toThrow(NotFoundError)
    await expect(createToken(developer, {type: 'ephemeral', account: bob, role: 'AuditDeveloper'})).rejects.toThrow(`no account with id or name '${bob}'`)
  })

  it('a global admin token may mint for another account, still within its own grants', async () => {
    createGroup(operator, {name: 'admins', admin: true})
    addMembers(operator, 'admins', [alice])
    const admin = {store, caller: await callerFor(alice, {role: 'Admin', ttlSeconds: 7200})}
    const forBob = await createToken(admin, {type: 'ephemeral', account: bob, role: 'AuditDeveloper'})
    expect(forBob.accountId).toBe(bob)
    const narrow = {store, caller: await callerFor(alice, {role: 'AuditDeveloper', ttlSeconds: 7200})}
    // Alice is a global admin, but this token of hers cannot create tokens in bob's account.
    await expect(createToken(narrow, {type: 'ephemeral', account: bob, role: 'AuditDeveloper'})).rejects.toThrow(DeniedError)
  })
})

/** Issue 10, item 4: the token hierarchy, as TokenVerifier checks it on every verification and createToken at mint. */
describe('token hierarchy', () => {
  let dir: TempDir
  let store: Store
  let operator: Context
  let alice: string
  let bob: string
  let carol: string

  beforeEach(() => {
    dir = tempDir()
    store = Store.open(dir.storePath)
    operator = {store, caller: {kind: 'operator', user: 'test'}}
    createGroup(operator, {name: 'admins', admin: true})
    alice = createAccount(operator, {name: 'alice', groups: ['admins']}).id
    bob = createAccount(operator, {name: 'bob', groups: ['admins']}).id
    carol = createAccount(operator, {name: 'carol'}).id
  })
  afterEach(() => {
    store.close()
    dir.cleanup()
  })

  const reason = (token: string) => verifyToken(store.db, token).reason
  const jtiOf = (token: string) => String(decodePart(token, 1).jti)

  /** Mints as the given token, the way `ACCESSCTL_TOKEN=$parent accessctl tokens create` does. */
  async function mintAs(parent: string, input: {type: 'account' | 'ephemeral'; account: string; ttlSeconds: number; role?: string}): Promise<CreatedToken> {
    const verified = verifyToken(store.db, parent)
    expect(verified.reason).toBeNull()
    return createToken({store, caller: tokenCaller(verified as VerifiedToken)}, {role: 'Admin', ...input})
  }

  /** root (account, alice) > ephemeral (alice) > account (bob) > ephemeral (carol): depth 3, types mixed. */
  async function chain(): Promise<string[]> {
    const root = await createToken(operator, {type: 'account', account: alice, role: 'Admin', ttlSeconds: 86_400})
    const second = await mintAs(root.token, {type: 'ephemeral', account: alice, ttlSeconds: 80_000})
    const third = await mintAs(second.token, {type: 'account', account: bob, ttlSeconds: 70_000})
    const fourth = await mintAs(third.token, {type: 'ephemeral', account: carol, ttlSeconds: 60_000, role: 'AuditDeveloper'})
    return [root.token, second.token, third.token, fourth.token]
  }

  it('a minted token names its ancestors, root first, and verifies with them', async () => {
    const tokens = await chain()
    const fourth = verifyToken(store.db, tokens[3]) as VerifiedToken
    expect(fourth.valid).toBe(true)
    expect(fourth.ancestors.map((link) => [link.jti, link.sub, link.typ])).toEqual([
      [jtiOf(tokens[0]), `Account/${alice}`, 'account'],
      [jtiOf(tokens[1]), `Account/${alice}`, 'ephemeral'],
      [jtiOf(tokens[2]), `Account/${bob}`, 'account'],
    ])
    expect(fourth.ancestors.map((link) => link.iat)).toEqual(tokens.slice(0, 3).map((token) => decodePart(token, 1).iat))
    expect((verifyToken(store.db, tokens[0]) as VerifiedToken).ancestors).toEqual([])
    expect(decodePart(tokens[0], 1)).not.toHaveProperty('anc')
  })

  it.each([0, 2])('revoking the recorded token at depth %i ends every token below it, and none above', async (depth) => {
    const tokens = await chain()
    revokeToken(operator, jtiOf(tokens[depth]))
    tokens.forEach((token, index) => expect(reason(token)).toBe(index >= depth ? 'revoked' : null))
  })

  it('revoking all of an account\'s tokens ends its ephemeral tokens and what they minted, in every account', async () => {
    const tokens = await chain()
    const bobsOwn = await createToken(operator, {type: 'ephemeral', account: bob, role: 'Admin'})
    const revocation = revokeAccountTokens(operator, alice)
    expect(revocation).toMatchObject({accountId: alice, revoked: 1, descendantsRevoked: 1})
    expect(tokens.map((token) => reason(token))).toEqual(['revoked', 'revoked', 'revoked', 'revoked'])
    expect(reason(bobsOwn.token)).toBeNull()
    // The recorded descendant in bob's account is marked revoked, so tokens list says so too.
    expect(store.db.prepare('SELECT revoked_at IS NOT NULL FROM tokens WHERE jti = ?').pluck().get(jtiOf(tokens[2]))).toBe(1)

    // Revoking bob's tokens ends his own ephemeral token, issued before it.
    revokeAccountTokens(operator, bob)
    expect(reason(bobsOwn.token)).toBe('revoked')
  })

  it('a token made after an account-wide revocation is valid, even within the same second', async () => {
    revokeAccountTokens(operator, alice)
    const after = await createToken(operator, {type: 'ephemeral', account: alice, role: 'Admin'})
    expect(reason(after.token)).toBeNull()
    const child = await mintAs(after.token, {type: 'ephemeral', account: alice, ttlSeconds: 600})
    expect(reason(child.token)).toBeNull()
  })

  it('deleting an ancestor\'s account ends its descendants in other accounts', async () => {
    const tokens = await chain()
    deleteAccount(operator, {id: alice})
    expect(tokens.map((token) => reason(token))).toEqual(['revoked', 'revoked', 'revoked', 'revoked'])
  })

  it('deleting the account of an ephemeral ancestor in the middle ends the tokens below it', async () => {
    const root = await createToken(operator, {type: 'account', account: alice, role: 'Admin', ttlSeconds: 86_400})
    const inBob = await mintAs(root.token, {type: 'ephemeral', account: bob, ttlSeconds: 80_000})
    const back = await mintAs(inBob.token, {type: 'ephemeral', account: alice, ttlSeconds: 70_000})
    expect(reason(back.token)).toBeNull()
    deleteAccount(operator, {id: bob})
    expect([reason(root.token), reason(inBob.token), reason(back.token)]).toEqual([null, 'revoked', 'revoked'])
  })

  it('a token cannot mint once it, or an ancestor, is revoked after it was verified', async () => {
    const [root, second] = await chain()
    const caller = tokenCaller(verifyToken(store.db, second) as VerifiedToken)
    revokeToken(operator, jtiOf(root))
    const before = store.db.prepare('SELECT count(*) FROM tokens').pluck().get()
    for (const type of ['account', 'ephemeral'] as const) {
      await expect(createToken({store, caller}, {type, account: alice, role: 'Admin', ttlSeconds: 600})).rejects.toThrow(DeniedError)
      await expect(createToken({store, caller}, {type, account: alice, role: 'Admin', ttlSeconds: 600})).rejects.toThrow(/has been revoked/)
    }

    expect(store.db.prepare('SELECT count(*) FROM tokens').pluck().get()).toBe(before)
  })

  it(`a lineage holds at most ${MAX_TOKEN_ANCESTORS} ancestors: minting below that is exit 2`, async () => {
    let token = (await createToken(operator, {type: 'ephemeral', account: alice, role: 'Admin', ttlSeconds: 80_000})).token
    for (let depth = 1; depth <= MAX_TOKEN_ANCESTORS; depth++) token = (await mintAs(token, {type: 'ephemeral', account: alice, ttlSeconds: 80_000 - depth})).token
    expect((verifyToken(store.db, token) as VerifiedToken).ancestors).toHaveLength(MAX_TOKEN_ANCESTORS)
    await expect(mintAs(token, {type: 'ephemeral', account: alice, ttlSeconds: 60})).rejects.toThrow(UsageError)
  })

  describe('forged ancestry', () => {
    const link = (overrides: Partial<TokenLink> = {}): TokenLink => ({
      jti: 'cd'.repeat(16),
      sub: `Account/${alice}`,
      typ: 'ephemeral',
      iat: Math.floor(Date.now() / 1000) - 60,
      kid: storeSigningKey(dir.storePath).kid,
      ...overrides,
    })
    const signed = (anc: unknown) => {
      const {kid, privateKey} = storeSigningKey(dir.storePath)
      return signJwt({alg: 'EdDSA', kid, typ: 'JWT'}, claimsFor(bob, {anc}), privateKey)
    }

    beforeEach(async () => {
      await createToken(operator, {type: 'ephemeral', account: alice, role: 'Admin'}) // makes the signing key
    })

    it('dropping or changing the ancestry of a signed token breaks its signature', async () => {
      const tokens = await chain()
      revokeToken(operator, jtiOf(tokens[0]))
      const [header, payload, signature] = tokens[3].split('.')
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>
      for (const anc of [undefined, (claims.anc as TokenLink[]).slice(1)]) {
        const forged = `${header}.${Buffer.from(JSON.stringify({...claims, anc})).toString('base64url')}.${signature}`
        expect(reason(forged)).toBe('bad_signature')
      }
    })

    it('a well-formed ancestry is checked link by link', () => {
      expect(reason(signed([link()]))).toBeNull()
      expect(reason(signed([link({typ: 'account'})]))).toBe('revoked') // a recorded ancestor that is not recorded
      expect(reason(signed([link({kid: 'unknown'})]))).toBe('revoked')
      expect(reason(signed([link({sub: `Account/${'0'.repeat(32)}`})]))).toBe('revoked')
      expect(reason(signed([link(), link({sub: `Account/${'0'.repeat(32)}`})]))).toBe('revoked')
    })

    it.each<[string, unknown]>([
      ['an empty list', []],
      ['not a list', {jti: 'cd'.repeat(16), sub: 'Account/' + 'a'.repeat(32), typ: 'ephemeral', iat: 1, kid: 'k'}],
      [`${MAX_TOKEN_ANCESTORS + 1} ancestors`, Array.from({length: MAX_TOKEN_ANCESTORS + 1}, () => ({jti: 'cd'.repeat(16), sub: 'Account/x', typ: 'ephemeral', iat: 1, kid: 'k'}))],
      ['a link without kid', [{jti: 'cd'.repeat(16), sub: 'Account/' + 'a'.repeat(32), typ: 'ephemeral', iat: 1}]],
      ['a link with a bad jti', [{jti: 'nope', sub: 'Account/' + 'a'.repeat(32), typ: 'ephemeral', iat: 1, kid: 'k'}]],
      ['a link with a bad type', [{jti: 'cd'.repeat(16), sub: 'Account/' + 'a'.repeat(32), typ: 'root', iat: 1, kid: 'k'}]],
      ['a link with a fractional iat', [{jti: 'cd'.repeat(16), sub: 'Account/' + 'a'.repeat(32), typ: 'ephemeral', iat: 1.5, kid: 'k'}]],
    ])('an ancestry claim that is %s is malformed', (_label, anc) => {
      expect(reason(signed(anc))).toBe('malformed')
    })

    it('a stranger\'s key cannot vouch for an ancestry', () => {
      const forged = signJwt({alg: 'EdDSA', kid: storeSigningKey(dir.storePath).kid, typ: 'JWT'}, claimsFor(bob, {anc: [link()]}), strangerKey())
      expect(reason(forged)).toBe('bad_signature')
    })

    it('lineageLive is the same check the verifier makes, for a caller about to mint', async () => {
      const tokens = await chain()
      const fourth = verifyToken(store.db, tokens[3]) as VerifiedToken
      expect(new TokenVerifier(store.db).lineageLive(fourth.ancestors)).toBe(true)
      revokeToken(operator, jtiOf(tokens[2]))
      expect(new TokenVerifier(store.db).lineageLive(fourth.ancestors)).toBe(false)
    })
  })
})

/** Issue 10, item 15: the spare bits of a base64url segment's last character must be zero, or one token has 16 spellings. */
describe('isCanonicalBase64url', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const respellings = (encoded: string): string[] => {
    const remainder = encoded.length % 4
    if (remainder === 0) return []
    const spare = remainder === 2 ? 0x0f : 0x03
    const value = alphabet.indexOf(encoded.at(-1)!)
    return Array.from({length: spare + 1}, (_, bits) => (value & ~spare) | bits)
      .filter((other) => other !== value)
      .map((other) => `${encoded.slice(0, -1)}${alphabet[other]}`)
  }

  it('accepts what Buffer encodes and nothing else that decodes to the same bytes', () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Buffer.from(Array.from({length}, (_, i) => (i * 37 + length) & 0xff))
      const encoded = bytes.toString('base64url')
      expect(isCanonicalBase64url(encoded)).toBe(length > 0)
      for (const other of respellings(encoded)) {
        expect(Buffer.from(other, 'base64url').equals(bytes)).toBe(true)
        expect(isCanonicalBase64url(other)).toBe(false)
      }
    }

    for (const bad of ['A', 'AAAAA', 'AB=', 'AA==', 'A+', 'A/', 'é']) expect(isCanonicalBase64url(bad), bad).toBe(false)
  })
})
