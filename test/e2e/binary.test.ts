import {spawn} from 'node:child_process'
import {copyFileSync, createReadStream, mkdirSync, readdirSync, statSync} from 'node:fs'
import {createHash} from 'node:crypto'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, type TempDir, tempDir} from '../helpers/cli.js'

/**
 * The single executable on its own: a copy far from the checkout, no Node on PATH, no node_modules beside it, an
 * empty addon cache. Run by `npm run test:binary` (vitest.binary.config.ts), which sets ACCESSCTL_TEST_BIN.
 */
describe('the single executable', () => {
  let dir: TempDir
  let binary: string
  beforeAll(() => {
    const built = process.env.ACCESSCTL_TEST_BIN
    if (!built) throw new Error('ACCESSCTL_TEST_BIN must name the executable: run npm run test:binary')
    dir = tempDir('accessctl-binary-')
    mkdirSync(join(dir.path, 'bin'))
    binary = join(dir.path, 'bin', 'accessctl')
    copyFileSync(resolve(built), binary)
    statSync(binary)
  })
  afterAll(() => dir?.cleanup())

  /** Runs the copy with nothing of the machine's: PATH=/nonexistent, its own HOME and cache, cwd a temp folder. */
  function run(args: string[], cache: string, store = join(dir.path, 'store.db')): Promise<CliResult> {
    const env = {PATH: '/nonexistent', HOME: dir.path, XDG_CACHE_HOME: cache, ACCESSCTL_STORE: store, NO_COLOR: '1'}
    return new Promise((resolvePromise, reject) => {
      const child = spawn(binary, args, {env, cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
      child.on('error', reject)
      child.on('close', (code) => resolvePromise({code: code ?? -1, stdout, stderr}))
    })
  }

  it('prints its version and help with its own Node 24 and nothing on stderr', async () => {
    const cache = join(dir.path, 'cache-version')
    const version = await run(['--version'], cache)
    expect(version).toMatchObject({code: 0, stderr: ''})
    expect(version.stdout).toMatch(/^accessctl\/\d+\.\d+\.\d+\S* linux-x64 node-v24\.\d+\.\d+\n$/)
    const help = await run(['--help'], cache)
    expect(help).toMatchObject({code: 0, stderr: ''})
    expect(help.stdout).toContain('accounts')
    const commandHelp = await run(['accounts', 'get', '--help'], cache)
    expect(commandHelp.stdout).toContain('--name')
  })

  it('runs commands against a store, extracting the SQLite addon once, by content hash, to a private folder', async () => {
    const cache = join(dir.path, 'cache-store')
    const created = await run(['accounts', 'create', '-n', 'alice@example.com', '--json'], cache)
    expect(created).toMatchObject({code: 0, stderr: ''})
    const got = await run(['accounts', 'get', '-n', 'alice@example.com', '--json'], cache)
    expect(JSON.parse(got.stdout)).toMatchObject({name: 'alice@example.com', id: JSON.parse(created.stdout).id})

    const folder = join(cache, 'accessctl')
    expect(statSync(folder).mode & 0o777).toBe(0o700)
    const files = readdirSync(folder)
    expect(files).toHaveLength(1)
    expect(files[0]).toBe(`${await sha256(join(folder, files[0]))}.node`)
  })

  it('survives two first runs at once with an empty cache', async () => {
    const cache = join(dir.path, 'cache-race')
    const results = await Promise.all(
      ['one', 'two', 'three', 'four'].map((name) =>
        run(['accounts', 'create', '-n', `${name}@example.com`], cache, join(dir.path, `race-${name}.db`)),
      ),
    )
    for (const result of results) expect(result).toMatchObject({code: 0, stderr: ''})
    const files = readdirSync(join(cache, 'accessctl'))
    expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([])
    expect(files.filter((file) => file.endsWith('.node'))).toHaveLength(1)
  })

  it('reports a cache it cannot write as an error, not a crash', async () => {
    const result = await run(['accounts', 'list'], '/etc/passwd')
    expect(result.code).toBe(6)
    expect(result.stderr).toContain('SQLite addon')
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)
  })
})

function sha256(file: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256')
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')))
  })
}
