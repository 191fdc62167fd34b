import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import type {ConfigGetContextsResult} from '../../../src/commands/config/get-contexts.js'
import {contextCli, fileBytes} from './helpers.js'

let root: string
const {configFile, run, json} = contextCli(() => root)
const lockFile = () => `${configFile()}.lock`

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'accessctl-config-lock-'))
})
afterEach(() => rmSync(root, {recursive: true, force: true}))

/** A lock as a process of that pid would leave it, in the config folder accessctl would make. */
function plantLock(pid: number | string): void {
  mkdirSync(join(root, 'config', 'accessctl'), {recursive: true, mode: 0o700})
  writeFileSync(lockFile(), `${pid}\n`, {mode: 0o600})
}

/** The pid of a process that has ended: no process has it now (pids are not reused this soon). */
function deadPid(): number {
  const ended = spawnSync('true')
  return ended.pid!
}

describe('changes of the config file at the same moment', () => {
  it('8 set-context at once: all 8 contexts are in the file, and no lock or staging file is left', async () => {
    const names = Array.from({length: 8}, (_, index) => `ctx${index}`)
    const results = await Promise.all(names.map((name) => run(['config', 'set-context', name, '--store', `${name}.db`])))
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    const listed = await json<ConfigGetContextsResult>(['config', 'get-contexts'])
    expect(listed.json.items.map((item) => item.name).sort()).toEqual(names)
    expect(readdirSync(join(root, 'config', 'accessctl'))).toEqual(['config.yaml'])
  })

  it('set-context, use-context and delete-context at once each land', async () => {
    await run(['config', 'set-context', 'old', '--store', 'old.db'])
    await run(['config', 'set-context', 'main', '--store', 'main.db'])
    const results = await Promise.all([
      run(['config', 'set-context', 'new', '--store', 'new.db']),
      run(['config', 'use-context', 'main']),
      run(['config', 'delete-context', 'old', '--yes']),
      run(['config', 'set-context', 'main', '--store', 'moved.db']),
    ])
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    expect(parseYaml(fileBytes(configFile())!)).toEqual({
      'current-context': 'main',
      contexts: expect.arrayContaining([
        {name: 'main', store: join(root, 'moved.db')},
        {name: 'new', store: join(root, 'new.db')},
      ]),
    })
    expect(parseYaml(fileBytes(configFile())!).contexts).toHaveLength(2)
  })
})

describe('the lock', () => {
  it('left by a process that died holding it is taken over', async () => {
    plantLock(deadPid())
    const result = await run(['config', 'set-context', 'dev', '--store', 'dev.db'])
    expect(result.code, result.stderr).toBe(0)
    expect(existsSync(lockFile())).toBe(false)
    expect(parseYaml(fileBytes(configFile())!)).toEqual({contexts: [{name: 'dev', store: join(root, 'dev.db')}]})
  })

  it('without a pid (garbage, or a megabyte of it) and over a second old is taken over; only its first bytes are read', async () => {
    for (const content of ['not a pid', 'x'.repeat(1024 * 1024)]) {
      plantLock('')
      writeFileSync(lockFile(), content)
      const aWhileAgo = new Date(Date.now() - 5000)
      utimesSync(lockFile(), aWhileAgo, aWhileAgo)
      const result = await run(['config', 'set-context', 'dev', '--store', 'dev.db'])
      expect(result.code, result.stderr).toBe(0)
      expect(existsSync(lockFile())).toBe(false)
    }
  })

  it('a file where the config folder goes: exit 2 naming it, nothing written', async () => {
    mkdirSync(join(root, 'config'), {mode: 0o700})
    writeFileSync(join(root, 'config', 'accessctl'), 'not a folder\n')
    const folder = join(root, 'config', 'accessctl')
    // set-context reads the file first; use-context makes ready the folder before it takes the lock.
    const set = await run(['config', 'set-context', 'dev', '--store', 'dev.db'])
    expect(set.code).toBe(2)
    expect(set.stderr).toBe(`Error: cannot read the config file ${folder}/config.yaml: a part of the path is a file, not a folder\n`)
    const use = await run(['config', 'use-context', 'dev'])
    expect(use.code).toBe(2)
    expect(use.stderr).toBe(`Error: the config folder ${folder} is not a folder\n`)
    expect(readdirSync(join(root, 'config'))).toEqual(['accessctl'])
    expect(fileBytes(folder)).toBe('not a folder\n')
  })

  it('older than a minute is taken over even when its pid is alive (a pid reused since)', async () => {
    plantLock(process.pid)
    const longAgo = new Date(Date.now() - 120_000)
    utimesSync(lockFile(), longAgo, longAgo)
    const result = await run(['config', 'use-context', 'nope'])
    // The lock was taken and the change tried: the answer is about the context, not the lock.
    expect(result.code).toBe(4)
    expect(result.stderr).toMatch(/^Error: no context named 'nope'/)
    expect(existsSync(lockFile())).toBe(false)
  })

  it('held by a live process is waited for, and the change made once it is released', async () => {
    plantLock(process.pid)
    const started = Date.now()
    const release = setTimeout(() => rmSync(lockFile()), 700)
    const result = await run(['config', 'set-context', 'dev', '--store', 'dev.db'])
    clearTimeout(release)
    expect(result.code, result.stderr).toBe(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(700)
    expect(parseYaml(fileBytes(configFile())!)).toEqual({contexts: [{name: 'dev', store: join(root, 'dev.db')}]})
  })

  it('held for over 5 s: exit 5, naming the holder and how to remove a stale lock; nothing written', async () => {
    await run(['config', 'set-context', 'dev', '--store', 'dev.db'])
    const before = fileBytes(configFile())
    plantLock(process.pid)
    const result = await run(['config', 'set-context', 'dev', '--store', 'other.db'])
    expect(result.code).toBe(5)
    expect(result.stderr).toBe(
      `Error: another accessctl (pid ${process.pid}) has been changing the config file ${configFile()} for over 5 s\nTry again when it is done. If no accessctl is running, remove the lock: rm ${lockFile()}\n`,
    )
    expect(fileBytes(configFile())).toBe(before)
    // Not ours to remove: the holder's lock is left as it was.
    expect(fileBytes(lockFile())).toBe(`${process.pid}\n`)
    const asJson = await json(['config', 'use-context', 'dev'])
    expect(asJson.code).toBe(5)
    expect(asJson.json).toMatchObject({error: {code: 'conflict', exitCode: 5}})
  }, 30_000)

  it('a symbolic link in its place is never followed: exit 2, and neither it nor its target is touched', async () => {
    mkdirSync(join(root, 'config', 'accessctl'), {recursive: true, mode: 0o700})
    const target = join(root, 'target')
    symlinkSync(target, lockFile())
    const result = await run(['config', 'set-context', 'dev', '--store', 'dev.db'])
    expect(result.code).toBe(2)
    expect(result.stderr).toBe(`Error: the config file's lock ${lockFile()} is a symbolic link, which accessctl never makes\nRemove it: rm ${lockFile()}\n`)
    expect(existsSync(target)).toBe(false)
    expect(fileBytes(configFile())).toBeUndefined()
  })
})
