import {Config, Interfaces} from '@oclif/core'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {aliasTable, canonicalArgv} from '../../src/cli/aliases.js'
import {bundledLoadOptions, type BundledPlugin} from '../../src/sea/bundled-plugin.js'
import {fastCommand, fastConfig, loadFastCommand, runFast} from '../../src/sea/fast-path.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T
const pjson = readJson<Interfaces.PJSON>(join(PROJECT_ROOT, 'package.json'))
const manifest = readJson<Interfaces.Manifest>(join(PROJECT_ROOT, 'oclif.manifest.json'))

const commandFile = (id: string): string => `../../src/commands/${id.replaceAll(':', '/')}.js`
const accessctl: BundledPlugin = {
  pjson,
  manifest,
  loaders: Object.fromEntries(Object.keys(manifest.commands).map((id) => [id, () => import(commandFile(id))])),
}
/** Another plugin's command, which the fast path leaves to oclif (the executable bundles every plugin it has). */
const otherPlugin: BundledPlugin = {
  pjson: {name: 'other-plugin', version: '1.0.0', oclif: {commands: './commands'}} as Interfaces.PJSON,
  manifest: {
    version: '1.0.0',
    commands: {hello: {id: 'hello', aliases: [], args: {}, flags: {}, hidden: false, hiddenAliases: [], pluginAlias: 'other-plugin', pluginType: 'core'}},
  } as unknown as Interfaces.Manifest,
  loaders: {},
}
const plugins = [accessctl, otherPlugin]
const env = {ACCESSCTL_DISABLE_THEME: '1'}

/**
 * The executable's fast dispatch (src/sea/fast-path.ts) runs commands with a stand-in for oclif's Config: it must
 * find the same command id as oclif, leave everything else to oclif, and give the same output and exit codes.
 */
describe('the single executable’s fast path', () => {
  it('finds the command id as oclif does with spaces between words', async () => {
    const config = await Config.load(bundledLoadOptions('/nonexistent/accessctl-sea', plugins))
    const cases = [
      ['accounts', 'get', '-i', 'abc'],
      ['tokens', 'verify', 'TOKEN'],
      ['tokens', 'verify', 'TOKEN', '--json'],
      ['tokens', 'keys', 'list'],
      ['store', 'info', '--store=x.db'],
      ['accounts', 'create', 'extra'],
      ['accounts', 'create', '-n', 'a@b.c', '--', '--help'],
    ]
    for (const argv of cases) {
      const [id, ...rest] = (await import('@oclif/core/help')).normalizeArgv(config, argv)
      expect(fastCommand(argv, plugins, env)).toEqual(id in accessctl.loaders ? {id, argv: rest} : undefined)
    }

    expect(fastCommand(['accounts', 'get', '-i', 'abc'], plugins, env)).toEqual({id: 'accounts:get', argv: ['-i', 'abc']})
  })

  it('finds the same command as oclif for every alias (both resolve aliases with canonicalArgv first)', async () => {
    const config = await Config.load(bundledLoadOptions('/nonexistent/accessctl-sea', plugins))
    const {normalizeArgv} = await import('@oclif/core/help')
    const commands = Object.keys(manifest.commands).map((id) => id.split(':'))
    let checked = 0
    for (const {alias, canonical} of aliasTable()) {
      for (const words of commands.filter((id) => canonical.every((word, index) => id[index] === word))) {
        const typed = [...alias, ...words.slice(canonical.length), '--json']
        const [id, ...rest] = normalizeArgv(config, canonicalArgv(typed))
        expect(id, typed.join(' ')).toBe(words.join(':'))
        expect(fastCommand(canonicalArgv(typed), plugins, env), typed.join(' ')).toEqual({id, argv: rest})
        checked++
      }
    }

    expect(checked).toBeGreaterThan(50)
    // help WORDS becomes WORDS --help, which is oclif's to answer on both paths.
    expect(fastCommand(canonicalArgv(['help', 'tokens', 'create']), plugins, env)).toBeUndefined()
    expect(fastCommand(canonicalArgv(['admin-key-delete', 'KEY', '-h']), plugins, env)).toBeUndefined()
  })

  it('leaves help, topics, colon ids, other plugins, DEBUG and a help theme to oclif', () => {
    const oclifs = [
      [],
      ['--help'],
      ['accounts'],
      ['accounts', 'get', '--help'],
      ['accounts', 'get', '-h'],
      ['accounts:get', '-i', 'abc'],
      ['hello'],
      ['nonexistent', 'command'],
    ]
    for (const argv of oclifs) expect(fastCommand(argv, plugins, env), argv.join(' ')).toBeUndefined()
    const argv = ['accounts', 'get', '-i', 'abc']
    expect(fastCommand(argv, plugins, {...env, DEBUG: 'accessctl'})).toBeUndefined()
    expect(fastCommand(argv, plugins, {ACCESSCTL_DISABLE_THEME: '0'})).toBeUndefined()
  })

  describe('runs commands as oclif does', () => {
    let work: string
    let written: {stdout: string; stderr: string}
    beforeEach(() => {
      work = mkdtempSync(join(tmpdir(), 'accessctl-fast-'))
      written = {stdout: '', stderr: ''}
      // As in the executable: no development-only warning (emitted later, so it would land in another run's output).
      vi.stubEnv('NODE_ENV', 'production')
      for (const stream of ['stdout', 'stderr'] as const) {
        vi.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
          written[stream] += String(chunk)
          return true
        })
      }
    })
    afterEach(() => {
      vi.restoreAllMocks()
      vi.unstubAllEnvs()
      process.exitCode = undefined
      rmSync(work, {recursive: true, force: true})
    })

    async function viaOclif(argv: string[]) {
      written = {stdout: '', stderr: ''}
      process.exitCode = undefined
      const config = await Config.load(bundledLoadOptions('/nonexistent/accessctl-sea', plugins))
      const [id, ...rest] = (await import('@oclif/core/help')).normalizeArgv(config, argv)
      await config.runCommand(id, rest)
      return {...written, exitCode: process.exitCode}
    }

    async function viaFastPath(argv: string[]) {
      written = {stdout: '', stderr: ''}
      process.exitCode = undefined
      const found = fastCommand(argv, plugins, env)
      expect(found).toBeDefined()
      const handle = vi.fn(async (error: Error) => {
        throw error
      })
      await runFast(found!, await loadFastCommand(found!, accessctl), fastConfig(accessctl, '/nonexistent'), {
        flush: async () => {},
        handle,
      })
      expect(handle).not.toHaveBeenCalled()
      return {...written, exitCode: process.exitCode}
    }

    it('with env-backed flags, --json, usage and not-found errors', async () => {
      vi.stubEnv('ACCESSCTL_STORE', join(work, 'store.db'))
      vi.stubEnv('NO_COLOR', '1')
      const created = await viaFastPath(['accounts', 'create', '-n', 'alice@example.com', '--json'])
      expect(created.exitCode).toBeUndefined()
      const {id} = JSON.parse(created.stdout) as {id: string}
      const same = [
        ['accounts', 'get', '-i', id],
        ['accounts', 'get', '-i', id, '--json'],
        ['accounts', 'get', '-i', 'nope'],
        ['accounts', 'get', '-i', 'nope', '--json'],
        ['accounts', 'get', '-i', '0'.repeat(32)],
        ['accounts', 'get', '--bogus'],
        ['accounts', 'get'],
        ['tokens', 'verify', 'not-a-token', '--json'],
      ]
      for (const argv of same) expect(await viaFastPath(argv), argv.join(' ')).toEqual(await viaOclif(argv))
      for (const typed of [['account', 'get', '-i', id, '--json'], ['admin-keys-list', '--json'], ['token', 'key', 'list']]) {
        const argv = canonicalArgv(typed)
        expect(await viaFastPath(argv), typed.join(' ')).toEqual(await viaOclif(argv))
      }

      expect((await viaFastPath(['accounts', 'get', '--bogus'])).exitCode).toBe(2)
    })

    it('reads the scoped CONTENT_TYPE variable as oclif does', async () => {
      vi.stubEnv('ACCESSCTL_STORE', join(work, 'store.db'))
      vi.stubEnv('ACCESSCTL_CONTENT_TYPE', 'json')
      // A usage error found before the store is opened: -i now takes a name too, and a read never creates a store.
      const argv = ['accounts', 'get']
      expect(await viaFastPath(argv)).toEqual(await viaOclif(argv))
      expect(JSON.parse((await viaFastPath(argv)).stdout)).toMatchObject({error: {exitCode: 2}})
    })
  })
})
