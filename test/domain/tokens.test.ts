import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {createAccount} from '../../src/domain/accounts.js'
import type {Caller, Context} from '../../src/domain/context.js'
import {createGroup, addMembers} from '../../src/domain/groups.js'
import {createToken, tokenCaller, type VerifiedToken, verifyToken} from '../../src/domain/tokens.js'
import {DeniedError} from '../../src/errors.js'
import {Store} from '../../src/store/store.js'
import {type TempDir, tempDir} from '../helpers/cli.js'

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
    expect(verifyToken(store.db, `${created.token}x`)).toMatchObject({valid: false, reason: 'bad_signature'})
  })

  it('a token mints for its own account only within its grants and its lifetime', async () => {
    const developer = {store, caller: await callerFor(alice, {role: 'AuditDeveloper', ttlSeconds: 7200})}
    const narrower = await createToken(developer, {type: 'ephemeral', account: alice, grants: [{resources: ['models'], functions: ['get'], accounts: ['*'], entities: []}]})
    expect(narrower.accountId).toBe(alice)

    await expect(createToken(developer, {type: 'ephemeral', account: alice, role: 'Admin'})).rejects.toThrow(/grant more than the token creating it/)
    await expect(createToken(developer, {type: 'account', account: alice, role: 'AuditDeveloper', ttlSeconds: 3 * 3600})).rejects.toThrow(
      /outlive the token creating it/,
    )
    await expect(createToken(developer, {type: 'ephemeral', account: bob, role: 'AuditDeveloper'})).rejects.toThrow(DeniedError)
    await expect(createToken(developer, {type: 'ephemeral', account: bob, role: 'AuditDeveloper'})).rejects.toThrow(/global administrator/)
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
