import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT} from '../helpers/cli.js'
import {exampleShellEnv, programOnPath} from '../helpers/example-shell.js'
import {readmeScript, shellBlocks} from '../helpers/readme-script.js'

const README = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8')
const work = mkdtempSync(join(tmpdir(), 'accessctl-readme-'))
afterAll(() => rmSync(work, {recursive: true, force: true}))

describe('the README', () => {
  const blocks = shellBlocks(README)

  it('has shell examples, and says why of each one it does not run', () => {
    expect(blocks.length).toBeGreaterThan(15)
    for (const block of blocks) if (block.skipReason !== undefined) expect(block.skipReason.length).toBeGreaterThan(10)
    // Most examples run: a README whose examples are all skipped would test nothing.
    expect(blocks.filter((block) => !block.skipReason).length).toBeGreaterThan(blocks.length * 0.7)
  })

  it('the harness: a command that must fail and does not is reported with its README line', () => {
    const {script} = readmeScript(shellBlocks('text\n\n```sh\ntrue\ntrue   # refused (exit 3)\n```\n'))
    const run = spawnSync('bash', ['-c', script], {encoding: 'utf8'})
    expect(run.status).toBe(97)
    expect(run.stderr).toContain('README line 5: expected exit 3, got 0')
    const failing = readmeScript(shellBlocks('```sh\ntrue\nfalse\ntrue\n```\n'))
    const failed = spawnSync('bash', ['-c', failing.script], {encoding: 'utf8'})
    expect(failed.status).toBe(1)
    expect(failed.stderr).toContain('README line 3: exited 1')
  })

  it('runs every shell example in order against a fresh store, each command with the exit its comment promises', () => {
    const home = join(work, 'home')
    const cwd = join(work, 'cwd')
    mkdirSync(home, {recursive: true})
    mkdirSync(cwd, {recursive: true})
    const env = exampleShellEnv(programOnPath(work), home)
    const {script} = readmeScript(blocks)
    writeFileSync(join(work, 'readme.sh'), script)
    const run = spawnSync('bash', [join(work, 'readme.sh')], {cwd, env, encoding: 'utf8', timeout: 280_000, stdio: ['ignore', 'pipe', 'pipe']})
    if (run.status !== 0) console.error(run.stdout.slice(-4000), run.stderr.slice(-4000))
    expect(run.stderr.match(/README line \d+: .*/)?.[0] ?? `exit ${run.status}`).toBe('exit 0')
  }, 300_000)
})
