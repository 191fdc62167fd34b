import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {chmodSync, mkdirSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, cliCommand, expectNoStackTrace, runCli, runJson, type TempDir, tempDir} from '../../helpers/cli.js'
import {NOBODY, type OtherUserCli, otherUserCliOrStop, otherUserEnv} from '../../helpers/other-user.js'

/**
 * Issue 17.8: the README (now docs/commands.md) says a backup "can be opened from a read-only mount", but `accounts list` and `deployment
 * authorize` on one stopped with exit 6 "the store is read-only"; only serve opened it. Commands that only read now
 * open a store they may not write read-only, as serve does; commands that write still stop with exit 6, saying why.
 * Two ways a copy is read-only: permissions (a user who may not write it: nobody, needs root to act as) and a
 * read-only mount (a bind mount remounted read-only in a mount namespace of its own: root ignores permissions, not
 * that).
 */

let dir: TempDir
let copies: string
let copy: string
let adminKey: string
let deploymentKey: string
const DEPLOYMENT = 'churn-on-dev'

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

beforeAll(async () => {
  dir = tempDir('accessctl-ro-copy-')
  chmodSync(dir.path, 0o755)
  const cli = async (...args: string[]) => {
    const result = await runCli(args, {store: dir.storePath})
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout.trim()
  }

  await cli('accounts', 'create', '-n', 'alice@example.com')
  await cli('service', 'create', 'churn')
  await cli('service', 'versions', 'add', 'churn', 'v1')
  await cli('infra', 'create', 'dev', '--stage', 'Development')
  await cli('deployment', 'create', '--service', 'churn', '--infra', 'dev')
  await cli('deployment', 'auth', 'set', DEPLOYMENT, '--mode', 'api-keys')
  deploymentKey = (await runJson<{key: string}>(['deployment', 'keys', 'create', DEPLOYMENT], {store: dir.storePath})).json.key
  adminKey = await cli('admin-key', 'create', '--label', 'reader')
  copies = join(dir.path, 'copies')
  mkdirSync(copies)
  copy = join(copies, 'accessctl.db')
  await cli('store', 'backup', copy)
  // Readable by everyone, writable by no one but root: the copy as a backup host would hand it out.
  chmodSync(copy, 0o444)
  chmodSync(copies, 0o555)
}, 120_000)

afterAll(() => {
  chmodSync(copies, 0o755)
  dir.cleanup()
})

/** The commands of the issue, and the other reads, each with the exit it must give on a read-only copy. */
const READS: Array<[string, string[], (result: CliResult) => void]> = [
  ['accounts list', ['accounts', 'list', '--json'], (result) => expect(JSON.parse(result.stdout).items.map((a: {name: string}) => a.name)).toEqual(['alice@example.com'])],
  ['deployment authorize', ['deployment', 'authorize', DEPLOYMENT, '--key-stdin', '--json'], (result) => expect(JSON.parse(result.stdout)).toMatchObject({admitted: true})],
  ['accounts list with an admin key (its last use is not recorded)', ['accounts', 'list', '--admin-key', '<admin-key>'], (result) => expect(result.stdout).toContain('alice@example.com')],
  ['store check', ['store', 'check'], (result) => expect(result.stdout).toMatch(/^store ok: /)],
  ['deployment get', ['deployment', 'get', DEPLOYMENT, '--json'], (result) => expect(JSON.parse(result.stdout)).toMatchObject({id: DEPLOYMENT, authMode: 'api-keys'})],
]

const WRITES: string[][] = [
  ['accounts', 'create', '-n', 'bob@example.com'],
  ['deployment', 'disable', DEPLOYMENT],
  ['admin-key', 'create', '--label', 'x'],
]

function withSecrets(args: string[]): string[] {
  return args.map((arg) => (arg === '<admin-key>' ? adminKey : arg))
}

function checkReadsAndWrites(run: (args: string[], input?: string) => CliResult): void {
  const before = digest(copy)
  for (const [name, args, check] of READS) {
    const result = run(withSecrets(args), args.includes('--key-stdin') ? `${deploymentKey}\n` : undefined)
    expectNoStackTrace(result)
    expect(result.code, `${name}: ${result.stderr}`).toBe(0)
    check(result)
  }

  for (const args of WRITES) {
    const result = run(args)
    expectNoStackTrace(result)
    expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(6)
    expect(result.stderr).toMatch(new RegExp(`^Error: the store at ${copy} is read-only here: .*; this command writes\\n`))
    expect(result.stderr).toContain('Commands that only read (list, get, authorize')
  }

  // Nothing written: the same bytes, and no journal, WAL or -shm beside it.
  expect(digest(copy)).toBe(before)
  expect(readdirSync(copies)).toEqual(['accessctl.db'])
}

describe('a copy of the store that this user may not write', () => {
  it('as a user without write permission (nobody): reads work, writes are exit 6 saying why, nothing is written', async (context) => {
    const program: OtherUserCli = otherUserCliOrStop(context)
    try {
      checkReadsAndWrites((args, input) => {
        const result = spawnSync(program.file, [...program.prefix, ...args], {
          cwd: program.cwd,
          uid: NOBODY.uid,
          gid: NOBODY.gid,
          env: otherUserEnv(program.cwd, {ACCESSCTL_STORE: copy}),
          input,
          encoding: 'utf8',
          timeout: 60_000,
        })
        return {code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr}
      })
    } finally {
      program.cleanup()
    }
  })

  it('on a read-only mount (root, in a mount namespace of its own): reads work, writes are exit 6, nothing is written', (context) => {
    const mounted = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/probe" 2>/dev/null', 'sh', copies])
    if (process.getuid?.() !== 0 || mounted.status !== 0) {
      if (process.env.CI && process.getuid?.() === 0) throw new Error(`cannot make a read-only bind mount here: ${mounted.stderr?.toString()}`)
      context.skip('needs root and mount namespaces (unshare -m) to make a read-only bind mount')
    }

    const {file, prefix} = cliCommand()
    checkReadsAndWrites((args, input) => {
      const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
      const result = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', copies, file, ...prefix, ...args], {
        env: {...process.env, ACCESSCTL_STORE: copy, NO_COLOR: '1', ACCESSCTL_TOKEN: undefined, ACCESSCTL_ADMIN_KEY: undefined},
        input,
        encoding: 'utf8',
        timeout: 60_000,
      })
      return {code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr}
    })
  })
})
