import {spawnSync} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {basename, dirname, join, relative, resolve, sep} from 'node:path'

import {cliCommand, PROJECT_ROOT} from './cli.js'

/**
 * Running the CLI as another user (nobody), for the tests of what a user who may not write the store sees. That
 * user must be able to reach the program: a checkout cloned under a folder only its owner may enter (a 0700 home,
 * `/tmp/x` made with mode 0700) is out of its reach, and the CLI would die with "Cannot find module .../bin/run.js".
 * Then what the CLI needs to run (bin/run.js, dist/lib, package.json, the oclif manifest and the production
 * dependencies; or the single executable) is copied to a fresh folder that user can read, and run from there.
 * Only when even that copy cannot be run (node itself out of reach, a temporary folder out of reach) does the test
 * stop: it fails under CI and is skipped elsewhere, saying which folder is in the way and what to do.
 */

export const NOBODY = {name: 'nobody', uid: 65_534, gid: 65_534} as const

export interface OtherUserCli {
  /** The program and the arguments before the command's, as cliCommand() gives them, but reachable by the user. */
  file: string
  prefix: string[]
  /** A working folder the user may enter. */
  cwd: string
  /** Where the program came from: the checkout itself, or a copy of it (and why). */
  source: string
  cleanup: () => void
}

export type OtherUserSetup = {ok: true; cli: OtherUserCli} | {ok: false; reason: string}

/** The folders from the root down to `path` (inclusive), the first one the user may not enter (search), if any. */
export function blockingFolder(path: string, user: {uid: number; gid: number} = NOBODY): {folder: string; mode: string} | undefined {
  const parts = resolve(path).split(sep).filter(Boolean)
  for (let i = 0; i <= parts.length; i++) {
    const folder = `${sep}${parts.slice(0, i).join(sep)}`
    let stats
    try {
      stats = statSync(folder)
    } catch {
      return undefined
    }

    if (!stats.isDirectory()) return undefined
    const bit = stats.uid === user.uid ? 0o100 : stats.gid === user.gid ? 0o010 : 0o001
    if ((stats.mode & bit) === 0) return {folder, mode: (stats.mode & 0o7777).toString(8).padStart(4, '0')}
  }

  return undefined
}

/** Runs `accessctl --version` as the user: the cheapest proof that it can load everything the CLI needs. */
function probe(file: string, prefix: string[], cwd: string, user: {uid: number; gid: number}): string | undefined {
  const result = spawnSync(file, [...prefix, '--version'], {cwd, uid: user.uid, gid: user.gid, env: otherUserEnv(cwd), encoding: 'utf8', timeout: 30_000})
  if (result.error) return `${file} cannot be started as uid ${user.uid}: ${result.error.message}`
  if (result.status !== 0) {
    const lines = result.stderr.split('\n').map((line) => line.trim())
    const said = lines.find((line) => /Error\b/.test(line)) ?? lines.find((line) => line !== '') ?? ''
    return `${[file, ...prefix].join(' ')} --version as uid ${user.uid} exited ${result.status}: ${said}`
  }

  return undefined
}

/** The environment the user runs with: a HOME and a cache (the executable unpacks its SQLite addon there) of its own. */
export function otherUserEnv(home: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {...process.env, HOME: home, XDG_CACHE_HOME: join(home, '.cache'), NO_COLOR: '1', ...extra}
  delete env.ACCESSCTL_TOKEN
  delete env.ACCESSCTL_ADMIN_KEY
  return env
}

/** The packages `node_modules` must hold for the CLI to run: the production dependencies, resolved as Node does. */
function productionPackages(root: string): string[] {
  const found = new Set<string>()
  const visit = (packageDir: string) => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>
    const names = Object.keys({...manifest.dependencies, ...manifest.optionalDependencies, ...manifest.peerDependencies})
    for (const name of names) {
      // Node's lookup: node_modules/NAME in the package's folder, then in each folder above it, up to the root.
      for (let dir = packageDir; ; dir = dirname(dir)) {
        const candidate = join(dir, 'node_modules', name)
        if (basename(dir) !== 'node_modules' && existsSync(join(candidate, 'package.json'))) {
          if (!found.has(candidate)) {
            found.add(candidate)
            visit(candidate)
          }

          break
        }

        if (dir === root || dirname(dir) === dir) break
      }
    }
  }

  visit(root)
  // A package inside one already copied comes with it.
  const sorted = [...found].sort()
  return sorted.filter((path, index) => !sorted.slice(0, index).some((outer) => path.startsWith(`${outer}${sep}`)))
}

/** Copies what the CLI needs to run into a new folder every user may read; returns the folder. */
function copyCli(): {root: string; file: string; prefix: string[]} {
  const root = mkdtempSync(join(tmpdir(), 'accessctl-other-user-'))
  chmodSync(root, 0o755)
  const bin = process.env.ACCESSCTL_TEST_BIN
  if (bin) {
    const file = join(root, basename(bin))
    cpSync(resolve(bin), file)
    chmodSync(file, 0o755)
    return {root, file, prefix: []}
  }

  for (const path of ['bin/run.js', 'dist/lib', 'package.json', 'oclif.manifest.json']) {
    cpSync(join(PROJECT_ROOT, path), join(root, path), {recursive: true, dereference: true})
  }

  for (const packageDir of productionPackages(PROJECT_ROOT)) {
    const target = join(root, relative(PROJECT_ROOT, packageDir))
    mkdirSync(dirname(target), {recursive: true})
    cpSync(packageDir, target, {recursive: true, dereference: true})
  }

  // Every folder readable and enterable, every file readable, whatever the umask.
  spawnSync('chmod', ['-R', 'a+rX', root])
  return {root, file: process.execPath, prefix: [join(root, 'bin', 'run.js')]}
}

/**
 * The CLI as `user` can run it: the checkout itself when that user can reach it, else a copy (see above). Needs
 * root, to act as another user; without root the answer says so.
 */
export function otherUserCli(user: {uid: number; gid: number} = NOBODY): OtherUserSetup {
  if (process.getuid?.() !== 0) return {ok: false, reason: `acting as another user (uid ${user.uid}) needs root; this test runs as uid ${process.getuid?.()}`}
  const home = mkdtempSync(join(tmpdir(), 'accessctl-other-home-'))
  chmodSync(home, 0o777)
  const cleanups = [() => rmSync(home, {recursive: true, force: true})]
  const cleanup = () => {
    for (const clean of cleanups) clean()
  }

  const {file, prefix} = cliCommand()
  const direct = probe(file, prefix, home, user)
  if (direct === undefined) return {ok: true, cli: {file, prefix, cwd: home, source: 'the checkout', cleanup}}

  const program = prefix[0] ?? file
  const blocked = blockingFolder(program, user)
  const why = blocked
    ? `the program ${program} is under ${blocked.folder} (mode ${blocked.mode}), which uid ${user.uid} may not enter`
    : `uid ${user.uid} cannot run the checkout's CLI (${direct})`
  let copy: {root: string; file: string; prefix: string[]}
  try {
    copy = copyCli()
  } catch (error) {
    cleanup()
    return {ok: false, reason: `${why}, and copying the CLI to ${tmpdir()} failed: ${(error as Error).message}`}
  }

  cleanups.push(() => rmSync(copy.root, {recursive: true, force: true}))
  const copied = probe(copy.file, copy.prefix, home, user)
  if (copied === undefined) return {ok: true, cli: {file: copy.file, prefix: copy.prefix, cwd: home, source: `a copy in ${copy.root}, since ${why}`, cleanup}}
  cleanup()
  const copyBlocked = blockingFolder(copy.root, user)
  const nodeBlocked = blockingFolder(dirname(copy.file), user)
  const inTheWay = copyBlocked ?? nodeBlocked
  return {
    ok: false,
    reason:
      `${why}, and a copy of the CLI in ${copy.root} does not run either (${copied})` +
      (inTheWay ? `: ${inTheWay.folder} (mode ${inTheWay.mode}) is in the way` : '') +
      `. Fix: let uid ${user.uid} reach the program (chmod o+x on each folder above the checkout and node, ` +
      'or clone it under a folder every user may enter), or point TMPDIR at such a folder.',
  }
}

/**
 * For a test that must act as another user: the CLI it can run, or the test stops, saying why. A missing root is a
 * skip (the test cannot act as anyone else); a program the user cannot reach even copied is a failure under CI (CI
 * must run these tests) and a skip elsewhere.
 */
export function otherUserCliOrStop(context: {skip: (note?: string) => never}, user: {uid: number; gid: number} = NOBODY): OtherUserCli {
  const setup = otherUserCli(user)
  if (setup.ok) return setup.cli
  if (process.getuid?.() === 0 && process.env.CI) throw new Error(setup.reason)
  return context.skip(setup.reason)
}
