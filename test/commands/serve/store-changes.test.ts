import Database from 'better-sqlite3'
import {chmodSync, chownSync, mkdirSync, readdirSync, renameSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {NOBODY, otherUserCliOrStop} from '../../helpers/other-user.js'
import {type RunningServe, startServe} from '../../helpers/serve.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from '../../helpers/serve-fixture.js'
import {decodePart} from '../../helpers/tokens.js'

/**
 * serve over a store that changes: the CLI's changes count from the very next request (no cache answers a stale
 * yes), a snapshot renamed into place is picked up, and it serves a locked store and one it may not write.
 */

let dir: TempDir
let fixture: ServeFixture
const cli = async (...args: string[]) => {
  const result = await runCli(args, {store: dir.storePath})
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result.stdout.trim()
}

const status = async (server: RunningServe, deployment: string, headers: Record<string, string> = {}) =>
  (await fetch(`${server.url}/v1/deployments/${deployment}/authorize`, {headers})).status
const verify = async (server: RunningServe, token: string) =>
  (await (
    await fetch(`${server.url}/v1/tokens/verify`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({token})})
  ).json()) as {valid: boolean; reason: string | null}

beforeAll(async () => {
  dir = tempDir()
  fixture = await buildServeFixture(dir.storePath)
}, 120_000)

afterAll(() => dir.cleanup())

describe('changes made with the CLI while serve runs', () => {
  let server: RunningServe
  beforeAll(async () => {
    server = await startServe(['--quiet'], {store: dir.storePath})
  })
  afterAll(async () => {
    expect((await server.stop()).code).toBe(0)
  })

  it('a deleted key is refused on the very next request', async () => {
    const extra = await runJson<{id: string; key: string}>(['service', 'keys', 'create', 'churn'], {store: dir.storePath})
    const key = {'x-api-key': extra.json.key}
    expect(await status(server, DEPLOYMENTS.inherit, key)).toBe(200)
    await cli('service', 'keys', 'delete', 'churn', extra.json.id, '--yes')
    expect(await status(server, DEPLOYMENTS.inherit, key)).toBe(401)
  })

  it('a revoked token is refused on the next request, though its signature was verified (and cached) before', async () => {
    const token = await cli('tokens', 'create', '-i', 'alice', '-f', 'consume', '-r', 'deployments', '-e', DEPLOYMENTS.inherit)
    const bearer = {authorization: `Bearer ${token}`}
    for (let i = 0; i < 3; i++) expect(await status(server, DEPLOYMENTS.inherit, bearer)).toBe(200)
    await cli('tokens', 'revoke', String(decodePart(token, 1).jti), '--yes')
    expect(await status(server, DEPLOYMENTS.inherit, bearer)).toBe(401)
    expect(await verify(server, token)).toMatchObject({valid: false, reason: 'revoked'})
  })

  it('a retired signing key stops its tokens on the next request, and the JWKS drops it', async () => {
    const token = await cli('tokens', 'create', '-i', 'alice', '-f', 'consume', '-r', 'deployments', '-e', DEPLOYMENTS.inherit)
    const kid = String(decodePart(token, 0).kid)
    expect(await verify(server, token)).toMatchObject({valid: true})
    const jwks = async () => ((await (await fetch(`${server.url}/.well-known/jwks.json`)).json()) as {keys: Array<{kid: string}>}).keys.map((k) => k.kid)
    expect(await jwks()).toContain(kid)
    await cli('tokens', 'keys', 'rotate')
    expect(await verify(server, token)).toMatchObject({valid: true})
    await cli('tokens', 'keys', 'retire', '--yes', '--', kid)
    expect(await verify(server, token)).toMatchObject({valid: false, reason: 'retired_key'})
    expect(await status(server, DEPLOYMENTS.inherit, {authorization: `Bearer ${token}`})).toBe(401)
    expect(await jwks()).not.toContain(kid)
    // A token of the new key verifies: the new key was loaded too.
    const fresh = await cli('tokens', 'create', '-i', 'alice', '-f', 'consume', '-r', 'deployments', '-e', DEPLOYMENTS.inherit)
    expect(await verify(server, fresh)).toMatchObject({valid: true})
    fixture.consumeToken = fresh
  })

  it('a disabled deployment and a changed auth mode count from the next request', async () => {
    const serviceKey = {'x-api-key': fixture.serviceKey.key}
    expect(await status(server, DEPLOYMENTS.inherit, serviceKey)).toBe(200)
    await cli('deployment', 'disable', DEPLOYMENTS.inherit)
    expect(await status(server, DEPLOYMENTS.inherit, serviceKey)).toBe(403)
    await cli('deployment', 'enable', DEPLOYMENTS.inherit)
    expect(await status(server, DEPLOYMENTS.inherit, serviceKey)).toBe(200)
    await cli('deployment', 'auth', 'set', DEPLOYMENTS.inherit, '--mode', 'api-keys')
    expect(await status(server, DEPLOYMENTS.inherit, serviceKey)).toBe(401)
    await cli('deployment', 'auth', 'set', DEPLOYMENTS.inherit, '--mode', 'public')
    expect(await status(server, DEPLOYMENTS.inherit)).toBe(200)
    await cli('deployment', 'auth', 'set', DEPLOYMENTS.inherit, '--mode', 'inherit')
    expect(await status(server, DEPLOYMENTS.inherit)).toBe(401)
  })

  it('keeps answering, without waiting, while another process holds a write transaction', async () => {
    const writer = new Database(dir.storePath)
    try {
      writer.exec('BEGIN IMMEDIATE')
      writer.prepare("UPDATE deployments SET enabled = 0 WHERE id = ?").run(DEPLOYMENTS.inherit)
      const started = Date.now()
      // The uncommitted change is not seen; the committed state is, at once.
      expect(await status(server, DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key})).toBe(200)
      expect(Date.now() - started).toBeLessThan(1000)
      writer.exec('ROLLBACK')
    } finally {
      writer.close()
    }
  })
})

describe('serve on a locked store', () => {
  it('answers without a credential after store lock', async () => {
    const adminKey = (await runJson<{key: string}>(['admin-key', 'create', '--label', 'break-glass'], {store: dir.storePath})).json.key
    await cli('store', 'lock', '--yes')
    // The CLI now needs a credential to change anything.
    expect((await runCli(['accounts', 'create', '-n', 'mallory'], {store: dir.storePath})).code).toBe(3)
    const server = await startServe(['--quiet'], {store: dir.storePath})
    try {
      expect(await status(server, DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key})).toBe(200)
      expect(await verify(server, fixture.consumeToken)).toMatchObject({valid: true})
    } finally {
      expect((await server.stop()).code).toBe(0)
      const unlocked = await runCli(['store', 'unlock'], {store: dir.storePath, env: {ACCESSCTL_ADMIN_KEY: adminKey}})
      expect(unlocked.code).toBe(0)
    }
  })
})

describe('serve on snapshots', () => {
  /**
   * `store backup` of the live store, renamed over `target` as a replica job would. A backup is a rollback-journal
   * file; `wal` turns the copy into a WAL-mode file, as a replica made by WAL replication is, which a reader in a
   * folder it may not write can only open as immutable.
   */
  const ship = async (target: string, {wal = false} = {}) => {
    const staging = `${target}.${Date.now()}.tmp`
    await cli('store', 'backup', staging)
    if (wal) {
      const copy = new Database(staging)
      copy.pragma('journal_mode = WAL')
      copy.close()
    }

    chmodSync(staging, 0o644)
    renameSync(staging, target)
    await pastRecheck()
  }

  /** serve looks at its path at most every 10 ms. */
  const pastRecheck = () => new Promise((resolve) => setTimeout(resolve, 50))

  it('picks up a snapshot renamed over its store, without a restart', async () => {
    const snapshots = join(dir.path, 'snapshots')
    mkdirSync(snapshots)
    const snapshot = join(snapshots, 'accessctl.db')
    const extra = await runJson<{id: string; key: string}>(['service', 'keys', 'create', 'churn'], {store: dir.storePath})
    await ship(snapshot)
    const server = await startServe(['--quiet'], {store: snapshot})
    try {
      const key = {'x-api-key': extra.json.key}
      expect(await status(server, DEPLOYMENTS.inherit, key)).toBe(200)
      await cli('service', 'keys', 'delete', 'churn', extra.json.id, '--yes')
      // The snapshot has not changed yet: serve answers from it, as a replica does until it catches up.
      expect(await status(server, DEPLOYMENTS.inherit, key)).toBe(200)
      await ship(snapshot)
      expect(await status(server, DEPLOYMENTS.inherit, key)).toBe(401)
      expect(await status(server, DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key})).toBe(200)
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
  })

  it('serves a store file and a folder it may not write (as another user), and follows renames there', async (context) => {
    // Needs root to act as another user, and a program that user can reach (a copy of it if the checkout is not).
    const program = otherUserCliOrStop(context)
    context.onTestFinished(() => program.cleanup())
    const nobody = {uid: NOBODY.uid, gid: NOBODY.gid}
    const readOnly = join(dir.path, 'read-only')
    mkdirSync(readOnly, {mode: 0o755})
    chmodSync(dir.path, 0o755)
    const snapshot = join(readOnly, 'accessctl.db')
    await ship(snapshot, {wal: true})
    // The executable unpacks its SQLite addon under XDG_CACHE_HOME: give nobody a writable one.
    const cache = join(dir.path, 'cache')
    mkdirSync(cache)
    chownSync(cache, nobody.uid, nobody.gid)
    const env = {XDG_CACHE_HOME: cache, HOME: '/tmp'}
    const extra = await runJson<{id: string; key: string}>(['service', 'keys', 'create', 'churn'], {store: dir.storePath})
    await ship(snapshot, {wal: true})
    const server = await startServe([], {store: snapshot, user: nobody, env, program})
    try {
      expect(await (await fetch(`${server.url}/readyz`)).json()).toMatchObject({status: 'ready', access: 'immutable'})
      const key = {'x-api-key': extra.json.key}
      expect(await status(server, DEPLOYMENTS.inherit, key)).toBe(200)
      expect(await verify(server, fixture.consumeToken)).toMatchObject({valid: true})
      await cli('service', 'keys', 'delete', 'churn', extra.json.id, '--yes')
      await ship(snapshot, {wal: true})
      expect(await status(server, DEPLOYMENTS.inherit, key)).toBe(401)
      expect(readdirSync(readOnly)).toEqual(['accessctl.db'])
    } finally {
      expect((await server.stop()).code).toBe(0)
    }

    // A file it may not write in a folder it may: a plain read-only connection (SQLite adds its -shm file).
    const writableFolder = join(dir.path, 'writable-folder')
    mkdirSync(writableFolder, {mode: 0o777})
    chmodSync(writableFolder, 0o777)
    const file = join(writableFolder, 'accessctl.db')
    await ship(file)
    const plain = await startServe([], {store: file, user: nobody, env, program})
    try {
      expect(await (await fetch(`${plain.url}/readyz`)).json()).toMatchObject({status: 'ready', access: 'read-only'})
      expect(await status(plain, DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key})).toBe(200)
    } finally {
      expect((await plain.stop()).code).toBe(0)
      rmSync(writableFolder, {recursive: true, force: true})
    }
  })

  it('answers 503 while its path names no store, and recovers when one is renamed back', async () => {
    const folder = join(dir.path, 'flaky')
    mkdirSync(folder)
    const snapshot = join(folder, 'accessctl.db')
    await ship(snapshot)
    const server = await startServe(['--quiet'], {store: snapshot})
    try {
      expect(await status(server, DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key})).toBe(200)
      renameSync(snapshot, `${snapshot}.away`)
      await pastRecheck()
      const gone = await fetch(`${server.url}/v1/deployments/${DEPLOYMENTS.inherit}/authorize`, {headers: {'x-api-key': fixture.serviceKey.key}})
      expect(gone.status).toBe(503)
      expect(await gone.json()).toMatchObject({error: {code: 'store_unusable'}})
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503)
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      renameSync(`${snapshot}.away`, snapshot)
      await pastRecheck()
      expect(await status(server, DEPLOYMENTS.inherit, {'x-api-key': fixture.serviceKey.key})).toBe(200)
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
  })
})
