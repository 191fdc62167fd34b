import {Config} from '@oclif/core'
import {spawn} from 'node:child_process'
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {canonicalArgv} from '../../src/cli/aliases.js'
import {packageFastCommand} from '../../src/cli/package-run.js'
import {type CliResult, PROJECT_ROOT, runCli, runJson, type TempDir, tempDir} from '../helpers/cli.js'

const RUN_JS = join(PROJECT_ROOT, 'bin', 'run.js')

/** The CLI through oclif's execute alone (src/cli/main.ts), as bin/run.js ran every command before its fast path. */
function runViaOclif(args: string[], storePath: string): Promise<CliResult> {
  const main = pathToFileURL(join(PROJECT_ROOT, 'dist', 'lib', 'cli', 'main.js')).href
  const script = `import {execute} from ${JSON.stringify(main)}; await execute(${JSON.stringify(args)}, ${JSON.stringify(pathToFileURL(RUN_JS).href)})`
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', ACCESSCTL_STORE: storePath}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {env, cwd: PROJECT_ROOT})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? -1, stdout, stderr}))
    child.stdin.end()
  })
}

describe('bin/run.js: the fast path of the npm package (src/cli/package-run.ts)', () => {
  let dir: TempDir
  beforeAll(() => {
    dir = tempDir()
  })
  afterAll(() => dir.cleanup())

  const noTheme = () => ({XDG_CONFIG_HOME: join(dir.path, 'no-config'), HOME: dir.path})

  it('finds the command oclif finds, for canonical names and aliases', async () => {
    const config = await Config.load({root: PROJECT_ROOT})
    const {normalizeArgv} = await import('@oclif/core/help')
    const cases = [
      ['accounts', 'get', '-i', 'abc'],
      ['account', 'get', '-i', 'abc'],
      ['tokens', 'verify', 'TOKEN', '--json'],
      ['token', 'key', 'list'],
      ['admin-key-delete', 'KEY'],
      ['services', 'version', 'add', 's', '1'],
      ['auth', 'can-i', 'read', 'service/x'],
      ['store', 'info', '--store=x.db'],
      ['accounts', 'create', '-n', 'a', '--', '--help'],
      ['autocomplete', 'bash'],
      ['autocomplete', 'script', 'zsh'],
      ['__complete', 'bash', '--', 'service', 'get', '--help', ''],
    ]
    for (const typed of cases) {
      const argv = canonicalArgv(typed)
      const [id, ...rest] = normalizeArgv(config, argv)
      const found = packageFastCommand(argv, PROJECT_ROOT, noTheme())
      expect(found && {id: found.id, argv: found.argv}, typed.join(' ')).toEqual({id, argv: rest})
    }
  })

  it('leaves help, --version, topics, unknown words, DEBUG and a user help theme to oclif', () => {
    const oclifs = [[], ['--help'], ['--version'], ['accounts'], ['accounts', 'get', '-h'], ['tokens', 'create', '--help'], ['nope']]
    for (const argv of oclifs) expect(packageFastCommand(canonicalArgv(argv), PROJECT_ROOT, noTheme()), argv.join(' ')).toBeUndefined()
    const argv = ['accounts', 'get', '-i', 'abc']
    expect(packageFastCommand(argv, PROJECT_ROOT, {...noTheme(), DEBUG: 'accessctl'})).toBeUndefined()
    // A theme file oclif would read: oclif's path, unless themes are turned off.
    const configHome = join(dir.path, 'config')
    mkdirSync(join(configHome, 'accessctl'), {recursive: true})
    writeFileSync(join(configHome, 'accessctl', 'theme.json'), '{}')
    expect(packageFastCommand(argv, PROJECT_ROOT, {XDG_CONFIG_HOME: configHome})).toBeUndefined()
    expect(packageFastCommand(argv, PROJECT_ROOT, {XDG_CONFIG_HOME: configHome, ACCESSCTL_DISABLE_THEME: '1'})).toBeDefined()
    // A package without its manifest (a build in progress): oclif's path.
    expect(packageFastCommand(argv, dir.path, noTheme())).toBeUndefined()
  })

  it('prints and exits exactly as oclif’s path does', async () => {
    const {json: alice} = await runJson<{id: string}>(['accounts', 'create', '-n', 'alice'], {store: dir.storePath})
    const same = [
      ['accounts', 'get', '-i', alice.id],
      ['accounts', 'get', '-i', alice.id, '--json'],
      ['account', 'get', '-n', 'alice'],
      ['accounts', 'get', '-i', 'nope'],
      ['accounts', 'get', '-i', 'nope', '--json'],
      ['accounts', 'get', '--bogus'],
      ['accounts', 'get'],
      ['tokens', 'verify', 'not-a-token', '--json'],
      ['admin-keys-list', '--json'],
      ['auth', 'can-i', 'read', 'service/x'],
      ['auth', 'whoami', '--json'],
      // Documents, printed by printDocument on both paths: JSON, YAML.
      ['tokens', 'jwks'],
      ['tokens', 'roles', 'get', 'AuditDeveloper', '-i', alice.id],
      ['export'],
      ['store', 'check', 'extra'],
      ['--version'],
    ]
    for (const args of same) {
      const fast = await runCli(args, {store: dir.storePath})
      const oclif = await runViaOclif(canonicalArgv(args), dir.storePath)
      expect(fast, args.join(' ')).toEqual(oclif)
    }
  })
})
