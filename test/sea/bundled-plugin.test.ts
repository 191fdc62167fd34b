import {Config, Interfaces} from '@oclif/core'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createRequire} from 'node:module'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it, vi} from 'vitest'

import {bundledLoadOptions} from '../../src/sea/bundled-plugin.js'
import {versionLine} from '../../src/sea/version.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

const require = createRequire(import.meta.url)
const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T
const pjson = readJson<Interfaces.PJSON>(join(PROJECT_ROOT, 'package.json'))
// Written by `oclif manifest` in test/global-setup.ts, from the sources compiled just before.
const manifest = readJson<Interfaces.Manifest>(join(PROJECT_ROOT, 'oclif.manifest.json'))

/**
 * The single executable hands oclif ready-made plugins (src/sea/bundled-plugin.ts), relying on how @oclif/core 4
 * treats `plugins` in its load options: an internal behaviour, so the version is pinned and checked here.
 */
describe('the single executable’s oclif plugins', () => {
  const loaded: string[] = []
  const loaders = {
    'accounts:create': async () => {
      loaded.push('accounts:create')
      return import('../../src/commands/accounts/create.js')
    },
    'accounts:get': async () => {
      loaded.push('accounts:get')
      return import('../../src/commands/accounts/get.js')
    },
  }
  // A root that does not exist: loading must not look for package.json, manifests or plugins on disk.
  const options = bundledLoadOptions('/nonexistent/accessctl-sea', [{pjson, manifest, loaders}])
  let work: string | undefined
  afterEach(() => {
    vi.restoreAllMocks()
    if (work) rmSync(work, {recursive: true, force: true})
  })

  it('is built against the pinned @oclif/core', () => {
    const installed = readJson<{version: string}>(require.resolve('@oclif/core/package.json')).version
    expect(pjson.dependencies?.['@oclif/core']).toBe(installed)
  })

  it('loads every command and topic from the manifest, imports none, and discovers no other plugin', async () => {
    const config = await Config.load(options)
    expect([...config.plugins.keys()]).toEqual(['accessctl'])
    expect(config.commandIDs.sort()).toEqual(Object.keys(manifest.commands).sort())
    expect(config.findTopic('accounts')?.description).toBe(pjson.oclif.topics?.accounts?.description)
    expect(config.findCommand('accounts:get')?.flags.id?.char).toBe('i')
    expect(loaded).toEqual([])
  })

  it('prints the same --version line as the fast path of the executable', async () => {
    const config = await Config.load(options)
    expect(versionLine(pjson.name, pjson.version)).toBe(config.userAgent)
  })

  it('runs a command through the loader that the bundle gives it', async () => {
    work = mkdtempSync(join(tmpdir(), 'accessctl-sea-'))
    const config = await Config.load(options)
    const written: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk))
      return true
    })
    await config.runCommand('accounts:create', ['-n', 'alice@example.com', '--store', join(work, 'store.db'), '--json'])
    expect(loaded).toEqual(['accounts:create'])
    expect(JSON.parse(written.join(''))).toMatchObject({name: 'alice@example.com'})
  })
})
