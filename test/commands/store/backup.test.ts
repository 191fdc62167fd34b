import Database from 'better-sqlite3'
import {createHash} from 'node:crypto'
import {spawn, spawnSync} from 'node:child_process'
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {StoreBackup} from '../../../src/domain/store-admin.js'
import {cliCommand, type ErrorJson, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {countRows} from '../../helpers/store.js'
import {runCliUmask0} from '../../helpers/umask.js'

const mode = (path: string) => statSync(path).mode & 0o777
const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

/** Another program's SQLite database, the kind of file a mistyped backup destination must never replace. */
function precious(path: string): string {
  const db = new Database(path)
  db.exec("CREATE TABLE precious (x); INSERT INTO precious VALUES ('keep me')")
  db.close()
  chmodSync(path, 0o640)
  return digest(path)
}

/** Fills the store with about `megabytes` MB of audit rows, so a backup takes long enough to be watched. */
function grow(storePath: string, megabytes: number): void {
  const db = new Database(storePath)
  const insert = db.prepare("INSERT INTO audit_log (at, actor, action, outcome, detail) VALUES ('now', 'bench', 'x', 'ok', ?)")
  const detail = 'x'.repeat(4000)
  db.transaction(() => {
    for (let i = 0; i < megabytes * 250; i++) insert.run(detail)
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
}

describe('store backup', () => {
  let dir: TempDir
  const backup = (dest: string, cwd?: string) => runJson<ErrorJson>(['store', 'backup', dest], {store: dir.storePath, cwd})
  beforeEach(async () => {
    dir = tempDir()
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
  })
  afterEach(() => dir.cleanup())

  const entries = () => readdirSync(dir.path).filter((name) => !name.startsWith('store.db')).sort()

  it.each([' ', '  ', '\t', '\n', '\u00a0'])(
    'a destination ending in %j never replaces the file of the trimmed name: exit 2, nothing written',
    async (space) => {
      const other = join(dir.path, 'other.db')
      const before = precious(other)
      const result = await backup(`other.db${space}`, dir.path)
      expect(result.code).toBe(2)
      expect(result.json.error.message).toMatch(/white ?space/)
      expectNoStackTrace(result)
      expect(digest(other)).toBe(before)
      expect(mode(other)).toBe(0o640)
      expect(entries()).toEqual(['other.db'])
      const absolute = await backup(`${other}${space}`)
      expect(absolute.code).toBe(2)
      expect(digest(other)).toBe(before)
    },
  )

  it('leading white space is part of the name', async () => {
    const result = await runJson<StoreBackup>(['store', 'backup', ' leading.db'], {store: dir.storePath, cwd: dir.path})
    expect(result.code).toBe(0)
    expect(result.json.destination).toBe(join(dir.path, ' leading.db'))
    expect(entries()).toEqual([' leading.db'])
    expect(countRows(join(dir.path, ' leading.db'), 'accounts', "name = 'alice'")).toBe(1)
  })

  it('an empty destination is exit 2', async () => {
    expect((await backup('')).code).toBe(2)
  })

  it('a dangling symlink is refused (exit 5) and nothing is created where it points', async () => {
    const link = join(dir.path, 'link.db')
    symlinkSync(join(dir.path, 'target.db'), link)
    const result = await backup(link)
    expect(result.code).toBe(5)
    expect(result.json.error.message).toMatch(/symbolic link/)
    expect(existsSync(join(dir.path, 'target.db'))).toBe(false)
    expect(readlinkSync(link)).toBe(join(dir.path, 'target.db'))
    expect(entries()).toEqual(['link.db'])
  })

  it('a symlink to an existing file or to a folder is refused (exit 5), the file unchanged', async () => {
    const other = join(dir.path, 'other.db')
    const before = precious(other)
    symlinkSync(other, join(dir.path, 'to-file.db'))
    expect((await backup(join(dir.path, 'to-file.db'))).code).toBe(5)
    expect(digest(other)).toBe(before)

    mkdirSync(join(dir.path, 'folder'))
    symlinkSync(join(dir.path, 'folder'), join(dir.path, 'to-folder.db'))
    expect((await backup(join(dir.path, 'to-folder.db'))).code).toBe(5)
    expect(readdirSync(join(dir.path, 'folder'))).toEqual([])
    expect(entries()).toEqual(['folder', 'other.db', 'to-file.db', 'to-folder.db'])
  })

  it('an existing file or folder is refused (exit 5)', async () => {
    const other = join(dir.path, 'other.db')
    const before = precious(other)
    expect((await backup(other)).code).toBe(5)
    expect(digest(other)).toBe(before)
    mkdirSync(join(dir.path, 'folder'))
    expect((await backup(join(dir.path, 'folder'))).code).toBe(5)
  })

  it('a folder that does not exist, or a file in place of a folder, is exit 2 and nothing is created', async () => {
    const missing = await backup(join(dir.path, 'missing', 'backup.db'))
    expect(missing.code).toBe(2)
    expect(missing.json.error.message).toMatch(/does not exist/)
    writeFileSync(join(dir.path, 'plain'), '')
    const notFolder = await backup(join(dir.path, 'plain', 'backup.db'))
    expect(notFolder.code).toBe(2)
    expectNoStackTrace(notFolder)
    expect(entries()).toEqual(['plain'])
  })

  it('the store itself, its -wal and -shm are refused (exit 2), also through a symlinked folder', async () => {
    const before = digest(dir.storePath)
    symlinkSync(dir.path, join(dir.path, 'alias'))
    for (const dest of [
      dir.storePath,
      `${dir.storePath}-wal`,
      `${dir.storePath}-shm`,
      join(dir.path, 'alias', 'store.db'),
      join(dir.path, 'alias', 'store.db-wal'),
    ]) {
      const result = await backup(dest)
      expect(result.code, dest).toBe(2)
      expect(result.json.error.message).toMatch(/the store/)
    }

    expect(digest(dir.storePath)).toBe(before)
    expect(entries()).toEqual(['alias'])
  })

  it('is private from its first byte: nothing others may read ever appears beside it', async () => {
    grow(dir.storePath, 40)
    const dest = join(dir.path, 'backup.db')
    let done = false
    const running = backup(dest).then((result) => {
      done = true
      return result
    })
    const seen = new Map<string, number>()
    while (!done) {
      for (const name of entries()) {
        try {
          seen.set(name, (seen.get(name) ?? 0) | lstatSync(join(dir.path, name)).mode)
        } catch {
          // gone between the listing and the lstat
        }
      }

      await new Promise((resolve) => setImmediate(resolve))
    }

    expect((await running).code).toBe(0)
    const loose = [...seen].filter(([, bits]) => (bits & 0o077) !== 0).map(([name, bits]) => `${name} ${(bits & 0o777).toString(8)}`)
    expect(loose).toEqual([])
    expect(seen.has('backup.db')).toBe(true)
    expect(entries()).toEqual(['backup.db'])
  })

  it('is a self-contained file: rollback journal mode, no -wal or -shm needed to read it', async () => {
    const dest = join(dir.path, 'backup.db')
    expect((await backup(dest)).code).toBe(0)
    const header = readFileSync(dest).subarray(18, 20)
    expect([...header]).toEqual([1, 1])
    expect(entries()).toEqual(['backup.db'])
    const reader = new Database(dest, {readonly: true, fileMustExist: true})
    expect(reader.pragma('journal_mode', {simple: true})).toBe('delete')
    reader.close()
    expect(entries()).toEqual(['backup.db'])
  })

  it('is 0600 and leaves nothing behind with umask 000', async () => {
    const dest = join(dir.path, 'backup.db')
    const result = await runCliUmask0(['store', 'backup', dest], {env: {ACCESSCTL_STORE: dir.storePath}})
    expect(result.code, result.stderr).toBe(0)
    expect(mode(dest)).toBe(0o600)
    expect(entries()).toEqual(['backup.db'])
  })

  it('never replaces a file that appears at the destination while the copy runs', async () => {
    grow(dir.storePath, 40)
    const dest = join(dir.path, 'backup.db')
    let done = false
    const running = backup(dest).then((result) => {
      done = true
      return result
    })
    let planted = false
    while (!done && !planted) {
      if (entries().some((name) => name.startsWith('.accessctl-backup-'))) {
        writeFileSync(dest, 'mine', {flag: 'wx'})
        planted = true
      }

      await new Promise((resolve) => setImmediate(resolve))
    }

    const result = await running
    expect(planted, 'the copy finished before the test could plant a file').toBe(true)
    expect(result.code).toBe(5)
    expect(readFileSync(dest, 'utf8')).toBe('mine')
    expect(entries()).toEqual(['backup.db'])
  })
})

/**
 * Issue 17.9: a backup killed part-way left `.accessctl-backup-XXXXXX/backup.db` beside its destination, a full copy
 * of the store with its signing keys, and no later backup removed it.
 */
describe('store backup: an interrupted backup leaves nothing behind', () => {
  let dir: TempDir
  beforeEach(async () => {
    dir = tempDir()
    await runCli(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
  })
  afterEach(() => dir.cleanup())

  const staging = () => readdirSync(dir.path).filter((name) => name.startsWith('.accessctl-backup-')).sort()

  /** Starts a backup, waits until its staging folder holds part of the copy, and sends it `signal`. */
  async function interrupt(dest: string, signal: NodeJS.Signals): Promise<{pid: number; code: number | null; signal: NodeJS.Signals | null; left: string[]}> {
    const {file, prefix} = cliCommand()
    const env: Record<string, string | undefined> = {...process.env, ACCESSCTL_STORE: dir.storePath, NO_COLOR: '1'}
    delete env.ACCESSCTL_TOKEN
    delete env.ACCESSCTL_ADMIN_KEY
    const child = spawn(file, [...prefix, 'store', 'backup', dest], {env, stdio: 'ignore'})
    const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.on('exit', (code, sig) => resolve({code, signal: sig})))
    let sent = false
    let done = false
    void exited.then(() => (done = true))
    while (!done && !sent) {
      const [name] = staging()
      if (name !== undefined && existsSync(join(dir.path, name, 'backup.db')) && statSync(join(dir.path, name, 'backup.db')).size > 0) {
        child.kill(signal)
        sent = true
      }

      await new Promise((resolve) => setImmediate(resolve))
    }

    expect(sent, 'the backup finished before the test could interrupt it').toBe(true)
    return {pid: child.pid!, ...(await exited), left: staging()}
  }

  it('killed with SIGKILL, it leaves its folder named after its process; the next backup removes it', async () => {
    grow(dir.storePath, 100)
    const killed = await interrupt(join(dir.path, 'first.db'), 'SIGKILL')
    expect(killed.signal).toBe('SIGKILL')
    expect(killed.left).toHaveLength(1)
    expect(killed.left[0]).toMatch(new RegExp(`^\\.accessctl-backup-${killed.pid}-[A-Za-z0-9]{6}$`))
    expect(existsSync(join(dir.path, killed.left[0], 'backup.db'))).toBe(true)
    expect(existsSync(join(dir.path, 'first.db'))).toBe(false)

    const next = await runJson<StoreBackup>(['store', 'backup', join(dir.path, 'second.db')], {store: dir.storePath})
    expect(next.code, next.stderr).toBe(0)
    expect(staging()).toEqual([])
    expect(readdirSync(dir.path).filter((name) => !name.startsWith('store.db')).sort()).toEqual(['second.db'])
  })

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('stopped with %s, it removes its folder and dies of the signal', async (signal) => {
    grow(dir.storePath, 100)
    const stopped = await interrupt(join(dir.path, 'stopped.db'), signal)
    expect(stopped.signal).toBe(signal)
    expect(stopped.left).toEqual([])
    expect(existsSync(join(dir.path, 'stopped.db'))).toBe(false)
  })

  it('removes only folders it can tell are stale: exactly named, real folders, this user\'s, of processes that are gone', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    const make = (name: string, owner?: number) => {
      mkdirSync(join(dir.path, name), {mode: 0o700})
      writeFileSync(join(dir.path, name, 'backup.db'), 'signing keys')
      if (owner !== undefined) chownSync(join(dir.path, name), owner, owner)
      return name
    }

    const gone = make(`.accessctl-backup-${dead}-AbC123`)
    const alive = make(`.accessctl-backup-${process.pid}-AbC123`)
    const nearMiss = make(`.accessctl-backup-${dead}-AbC123x`)
    const otherName = make(`accessctl-backup-${dead}-AbC123`)
    const legacyOld = make('.accessctl-backup-Old123')
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000)
    utimesSync(join(dir.path, legacyOld, 'backup.db'), twoDaysAgo, twoDaysAgo)
    utimesSync(join(dir.path, legacyOld), twoDaysAgo, twoDaysAgo)
    const legacyNew = make('.accessctl-backup-New123')
    // A symbolic link with a stale folder's name is neither followed nor removed, nor is what it points to.
    const elsewhere = join(dir.path, 'elsewhere')
    mkdirSync(elsewhere)
    writeFileSync(join(elsewhere, 'keep'), 'keep')
    const link = `.accessctl-backup-${dead}-Link12`
    symlinkSync(elsewhere, join(dir.path, link))
    const others = process.getuid?.() === 0 ? make(`.accessctl-backup-${dead}-Other1`, 65_534) : undefined

    const result = await runJson<StoreBackup>(['store', 'backup', join(dir.path, 'b.db')], {store: dir.storePath})
    expect(result.code, result.stderr).toBe(0)
    const left = new Set(readdirSync(dir.path))
    expect(left.has(gone)).toBe(false)
    expect(left.has(legacyOld)).toBe(false)
    for (const kept of [alive, nearMiss, otherName, legacyNew, link, ...(others ? [others] : [])]) expect(left.has(kept), kept).toBe(true)
    expect(lstatSync(join(dir.path, link)).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(elsewhere, 'keep'), 'utf8')).toBe('keep')
  })
})

