import {spawn, spawnSync} from 'node:child_process'
import {
  chmodSync,
  chownSync,
  copyFileSync,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import {createHash} from 'node:crypto'
import {join, resolve} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {type CliResult, PROJECT_ROOT, type TempDir, tempDir} from '../helpers/cli.js'

/** The uid and gid the tests switch to for another user (nobody on Debian). */
const OTHER_USER = 65534
const isRoot = process.getuid?.() === 0
const setpriv = spawnSync('sh', ['-c', 'command -v setpriv'], {encoding: 'utf8'}).stdout.trim()
const compiler = spawnSync('sh', ['-c', 'command -v cc'], {encoding: 'utf8'}).stdout.trim()

interface RunOptions {
  /** Added to the environment; undefined removes a variable (XDG_CACHE_HOME among them). */
  env?: Record<string, string | undefined>
  /** Runs as OTHER_USER through setpriv, this copy of the executable (one that user may read). */
  asOtherUser?: {binary: string}
}

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
  function run(args: string[], cache: string, store = join(dir.path, 'store.db'), options: RunOptions = {}): Promise<CliResult> {
    const env: Record<string, string | undefined> = {PATH: '/nonexistent', HOME: dir.path, XDG_CACHE_HOME: cache, ACCESSCTL_STORE: store, NO_COLOR: '1'}
    for (const [name, value] of Object.entries(options.env ?? {})) {
      if (value === undefined) delete env[name]
      else env[name] = value
    }

    const [file, fileArgs] = options.asOtherUser
      ? [setpriv, [`--reuid=${OTHER_USER}`, `--regid=${OTHER_USER}`, '--clear-groups', '--', options.asOtherUser.binary, ...args]]
      : [binary, args]
    return new Promise((resolvePromise, reject) => {
      const child = spawn(file, fileArgs, {env, cwd: options.asOtherUser ? '/' : dir.path, stdio: ['ignore', 'pipe', 'pipe']})
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

  it('shows the help of accessctl (its bundled help class): the root grouped with first steps, descriptions wrapped', async () => {
    const cache = join(dir.path, 'cache-help')
    const root = await run(['--help'], cache)
    expect(root).toMatchObject({code: 0, stderr: ''})
    const headings = root.stdout.split('\n').filter((line) => /^[A-Z][A-Z ]+$/.test(line))
    expect(headings).toEqual(expect.arrayContaining(['USAGE', 'GETTING STARTED', 'IDENTITY', 'APIS', 'POLICY AS CODE', 'QUESTIONS', 'OPERATIONS', 'VERSION']))
    expect(root.stdout).toContain('    $ accessctl groups create data-scientists --may-create-services')
    expect(root.stdout).toMatch(/^ {2}autocomplete +\S/m)
    expect((await run([], cache)).stdout).toBe(root.stdout)

    const table = await run(['deployment', 'auth', 'set', '--help'], cache, undefined, {env: {COLUMNS: '60'}})
    expect(table).toMatchObject({code: 0, stderr: ''})
    expect(table.stdout).toContain('    inherit   follow the service: public, or one of the\n              service\'s keys (the default)')
    expect(Math.max(...table.stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(60)
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

  it('prints -o jsonpath and -o yaml with the JSONPath and YAML libraries it carries', async () => {
    const cache = join(dir.path, 'cache-shapes')
    const store = join(dir.path, 'shapes.db')
    for (const name of ['alice@example.com', 'bob@example.com']) expect((await run(['accounts', 'create', '-n', name], cache, store)).code).toBe(0)
    const picked = await run(['accounts', 'list', '-o', 'jsonpath=$.items[*].name'], cache, store)
    expect(picked).toMatchObject({code: 0, stdout: 'alice@example.com\nbob@example.com\n', stderr: ''})
    const braced = await run(['accounts', 'list', '-o', 'jsonpath={.items[?@.name == "bob@example.com"].name}'], cache, store)
    expect(braced).toMatchObject({code: 0, stdout: 'bob@example.com\n'})
    const refused = await run(['accounts', 'list', '-o', 'jsonpath=$.items['], cache, store)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('invalid JSONPath expression: unclosed bracketed selection')

    const asJson = await run(['accounts', 'list', '--json'], cache, store)
    const asYaml = await run(['accounts', 'list', '-o', 'yaml'], cache, store)
    expect(asYaml).toMatchObject({code: 0, stderr: ''})
    expect(parseYaml(asYaml.stdout)).toEqual(JSON.parse(asJson.stdout))
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

  it('contexts: set-context, use-context, --context and ACCESSCTL_CONTEXT work on the fast path too', async () => {
    const cache = join(dir.path, 'cache-context')
    const config = {env: {XDG_CONFIG_HOME: join(dir.path, 'config-context'), ACCESSCTL_STORE: undefined}}
    const made = await run(['accounts', 'create', '-n', 'ctx@example.com'], cache, join(dir.path, 'ctx.db'))
    expect(made.code, made.stderr).toBe(0)
    for (const args of [['config', 'set-context', 'dev', '--store', 'ctx.db'], ['config', 'set-context', 'empty', '--store', 'empty.db'], ['config', 'use-context', 'dev']]) {
      const result = await run(args, cache, undefined, config)
      expect(result.code, result.stderr).toBe(0)
    }

    const listed = await run(['accounts', 'list', '--json'], cache, undefined, config)
    expect((JSON.parse(listed.stdout) as {items: Array<{name: string}>}).items.map((item) => item.name)).toEqual(['ctx@example.com'])
    const picked = await run(['auth', 'whoami', '--json', '--context', 'empty'], cache, undefined, {env: {...config.env, ACCESSCTL_CONTEXT: 'dev'}})
    expect(JSON.parse(picked.stdout).settings).toMatchObject({context: {name: 'empty', from: 'flag'}, store: {path: join(dir.path, 'empty.db'), from: 'context'}})
    const fromEnvironment = await run(['auth', 'whoami', '--json'], cache, undefined, {env: {...config.env, ACCESSCTL_CONTEXT: 'empty'}})
    expect(JSON.parse(fromEnvironment.stdout).settings.context).toEqual({name: 'empty', from: 'environment'})
    const unknown = await run(['auth', 'whoami'], cache, undefined, {env: {...config.env, ACCESSCTL_CONTEXT: 'dve'}})
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^Error: ACCESSCTL_CONTEXT names no context: 'dve'\nDid you mean dev\?/)
  })

  /** Creates an account in a new store: a command that certainly opens a store, hence loads the addon. */
  let stores = 0
  function createAccount(cache: string, options: RunOptions = {}, store = join(dir.path, `new-${++stores}.db`)): Promise<CliResult> {
    return run(['accounts', 'create', '-n', 'someone@example.com'], cache, store, options)
  }

  /** `<sha256>.node`, the name the executable gives its addon, learnt from a first run with an empty cache. */
  let addonName: string | undefined
  async function theAddonName(): Promise<string> {
    if (addonName) return addonName
    const cache = join(dir.path, 'cache-reference')
    expect(await createAccount(cache)).toMatchObject({code: 0, stderr: ''})
    const [name] = readdirSync(join(cache, 'accessctl'))
    expect(name).toBe(`${await sha256(join(cache, 'accessctl', name))}.node`)
    addonName = name
    return name
  }

  /** A folder made for one test, with `mode` set past the umask. */
  function folder(path: string, mode = 0o700): string {
    mkdirSync(path, {recursive: true})
    chmodSync(path, mode)
    return path
  }

  /**
   * Files another user could plant at the addon's name: garbage, better-sqlite3 built for another Node, and (when a C
   * compiler is here) a library whose constructor leaves a mark when it is loaded, which is what the attack runs.
   */
  function plants(where: string): {files: Record<string, string>; mark: string} {
    folder(where)
    const mark = join(where, 'constructor-ran')
    // The library first: against an executable that loads what it finds, its mark is the first thing to fail.
    const files: Record<string, string> = {}
    if (compiler) {
      const source = join(where, 'planted.c')
      writeFileSync(
        source,
        `#include <fcntl.h>\n#include <unistd.h>\n__attribute__((constructor)) static void planted(void) {\n` +
          `  int fd = open(${JSON.stringify(mark)}, O_WRONLY | O_CREAT, 0644);\n  if (fd >= 0) close(fd);\n}\n`,
      )
      const library = join(where, 'planted.so')
      const compiled = spawnSync(compiler, ['-shared', '-fPIC', '-o', library, source], {encoding: 'utf8'})
      if (compiled.status !== 0) throw new Error(`cc failed: ${compiled.stderr}`)
      files['a library with a constructor'] = library
    }

    const otherBuild = join(PROJECT_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
    if (existsSync(otherBuild)) files['better-sqlite3 built for another Node'] = otherBuild
    files.garbage = join(where, 'garbage')
    writeFileSync(files.garbage, 'not an ELF file\n')

    return {files, mark}
  }

  it('never loads a file planted under the addon\'s name with other content, and puts the addon in its place', async () => {
    const name = await theAddonName()
    const {files, mark} = plants(join(dir.path, 'plants-content'))
    for (const [what, plant] of Object.entries(files)) {
      const cache = join(dir.path, `cache-planted-${what.replaceAll(' ', '-')}`)
      const file = join(folder(join(cache, 'accessctl')), name)
      copyFileSync(plant, file)
      const result = await createAccount(cache)
      expect({what, constructorRan: existsSync(mark)}).toEqual({what, constructorRan: false})
      expect({what, ...result}).toMatchObject({what, code: 0, stderr: ''})
      expect(`${await sha256(file)}.node`).toBe(name)
      expect(readdirSync(join(cache, 'accessctl'))).toEqual([name])
    }
  })

  it('does not follow a link planted under the addon\'s name: it is replaced, and what it pointed to is untouched', async () => {
    const name = await theAddonName()
    const {files, mark} = plants(join(dir.path, 'plants-link'))
    const target = files['a library with a constructor'] ?? files.garbage
    const before = readFileSync(target)
    const cache = join(dir.path, 'cache-link')
    const file = join(folder(join(cache, 'accessctl')), name)
    symlinkSync(target, file)

    const result = await createAccount(cache)
    expect(existsSync(mark)).toBe(false)
    expect(result).toMatchObject({code: 0, stderr: ''})
    expect(lstatSync(file).isFile()).toBe(true)
    expect(`${await sha256(file)}.node`).toBe(name)
    expect(readFileSync(target).equals(before)).toBe(true)
  })

  it('does not use a cache folder that others may write: the addon goes to a temporary folder, removed at exit', async () => {
    // The cache folder itself, then the folder above it (XDG_CACHE_HOME), writable by all.
    const openFolder = join(dir.path, 'cache-open')
    folder(join(openFolder, 'accessctl'), 0o777)
    const openParent = folder(join(dir.path, 'cache-open-parent'), 0o777)
    for (const cache of [openFolder, openParent]) {
      const temporary = folder(join(dir.path, `tmp-${cache.split('/').at(-1)}`))
      const result = await createAccount(cache, {env: {TMPDIR: temporary}})
      expect({cache, ...result}).toMatchObject({cache, code: 0, stderr: ''})
      expect(readdirSync(temporary)).toEqual([])
    }

    expect(readdirSync(join(openFolder, 'accessctl'))).toEqual([])
    expect(readdirSync(openParent)).toEqual([])
  })

  it.skipIf(!isRoot)("does not use another user's cache folder, nor, for root, another user's HOME (sudo -E)", async () => {
    const otherCache = join(dir.path, 'cache-other-user')
    chownSync(folder(join(otherCache, 'accessctl')), OTHER_USER, OTHER_USER)
    const otherHome = folder(join(dir.path, 'home-other-user'), 0o755)
    chownSync(otherHome, OTHER_USER, OTHER_USER)
    const temporary = folder(join(dir.path, 'tmp-other-user'))

    const inCache = await createAccount(otherCache, {env: {TMPDIR: temporary}})
    expect(inCache).toMatchObject({code: 0, stderr: ''})
    const inHome = await createAccount('', {env: {HOME: otherHome, XDG_CACHE_HOME: undefined, TMPDIR: temporary}})
    expect(inHome).toMatchObject({code: 0, stderr: ''})

    expect(readdirSync(join(otherCache, 'accessctl'))).toEqual([])
    expect(readdirSync(otherHome)).toEqual([])
    expect(readdirSync(temporary)).toEqual([])
  })

  describe.skipIf(!isRoot || !setpriv)('as another user (setpriv)', () => {
    /** A folder of OTHER_USER's below a 0755 folder: the executable copy, its store, its home. */
    let shared: string
    let sharedBinary: string
    beforeAll(() => {
      shared = folder(join(dir.path, 'shared'), 0o755)
      // dir.path is 0700 (mkdtemp): the other user must be able to reach the copy.
      chmodSync(dir.path, 0o755)
      sharedBinary = join(shared, 'accessctl')
      copyFileSync(binary, sharedBinary)
      chmodSync(sharedBinary, 0o755)
      chownSync(folder(join(shared, 'data')), OTHER_USER, OTHER_USER)
    })
    afterAll(() => chmodSync(dir.path, 0o700))

    it('works with HOME=/ and no XDG_CACHE_HOME (a container), from a temporary folder', async () => {
      const hadRootCache = existsSync('/.cache')
      const options = {env: {HOME: '/', XDG_CACHE_HOME: undefined}, asOtherUser: {binary: sharedBinary}}
      const store = join(shared, 'data', 'slash-home.db')
      expect(await createAccount('', options, store)).toMatchObject({code: 0, stderr: ''})
      const listed = await run(['accounts', 'list', '--json'], '', store, options)
      expect(listed).toMatchObject({code: 0, stderr: ''})
      expect(JSON.parse(listed.stdout)).toMatchObject({items: [{name: 'someone@example.com'}]})
      if (!hadRootCache) expect(existsSync('/.cache')).toBe(false)
    })

    it('keeps the addon in its own home as any user would', async () => {
      const home = folder(join(shared, 'home'))
      chownSync(home, OTHER_USER, OTHER_USER)
      const options = {env: {HOME: home, XDG_CACHE_HOME: undefined}, asOtherUser: {binary: sharedBinary}}
      const store = join(shared, 'data', 'own-home.db')
      expect(await createAccount('', options, store)).toMatchObject({code: 0, stderr: ''})
      expect(await run(['accounts', 'list'], '', store, options)).toMatchObject({code: 0, stderr: ''})

      const cache = join(home, '.cache', 'accessctl')
      expect(statSync(cache)).toMatchObject({uid: OTHER_USER})
      expect(statSync(cache).mode & 0o777).toBe(0o700)
      expect(readdirSync(cache)).toEqual([await theAddonName()])
      expect(statSync(join(cache, await theAddonName())).uid).toBe(OTHER_USER)
    })
  })

  it('serve --workers 2 starts its workers as the executable itself, with no Node on PATH, and stops them all', async () => {
    const cache = join(dir.path, 'cache-workers')
    const store = join(dir.path, 'workers.db')
    expect(await run(['accounts', 'create', '-n', 'someone@example.com'], cache, store)).toMatchObject({code: 0})
    const env = {PATH: '/nonexistent', HOME: dir.path, XDG_CACHE_HOME: cache, ACCESSCTL_STORE: store, NO_COLOR: '1'}
    const child = spawn(binary, ['serve', '--workers', '2', '--listen', '127.0.0.1:0', '--json'], {env, cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk))
    const exited = new Promise<number | null>((resolvePromise) => child.on('exit', (code) => resolvePromise(code)))
    const lines = () => stderr.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>)
    try {
      for (let waited = 0; !lines().some((line) => line.msg === 'ready') && waited < 30_000; waited += 50) {
        await new Promise((resolvePromise) => setTimeout(resolvePromise, 50))
      }

      const url = String(lines().find((line) => line.msg === 'listening')?.url)
      expect((await fetch(`${url}/readyz`)).status).toBe(200)
      const workers = lines().filter((line) => line.msg === 'worker started').map((line) => Number(line.pid))
      expect(workers).toHaveLength(2)
      // Each worker is this very executable (node:cluster runs process.execPath again), not some Node of the machine.
      for (const pid of workers) expect(readlinkSync(`/proc/${pid}/exe`)).toBe(binary)
    } finally {
      child.kill('SIGTERM')
    }

    expect(await exited).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({signal: 'SIGTERM', requests: 1})
  })

  it('falls back to a temporary folder when the cache cannot be written', async () => {
    const result = await createAccount('/etc/passwd')
    expect(result).toMatchObject({code: 0, stderr: ''})
  })

  it('reports a cache and a temporary folder it cannot write as an error, not a crash', async () => {
    const result = await createAccount('/etc/passwd', {env: {TMPDIR: '/etc/passwd'}})
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
