import {chmodSync, mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {type TempDir, tempDir} from './cli.js'
import {blockingFolder, NOBODY, otherUserCli} from './other-user.js'

/**
 * Issue 17.15: the tests that run the CLI as nobody failed with "Cannot find module .../bin/run.js" on a checkout
 * under a 0700 folder. otherUserCli finds the folder in the way, runs a copy the user can reach, and says what to do
 * when even that cannot run.
 */
let dir: TempDir
beforeEach(() => {
  dir = tempDir('accessctl-reach-')
  chmodSync(dir.path, 0o755)
})
afterEach(() => dir.cleanup())

describe('blockingFolder', () => {
  it('names the first folder on the way that the user may not enter, with its mode', () => {
    const closed = join(dir.path, 'closed')
    mkdirSync(join(closed, 'checkout'), {recursive: true})
    chmodSync(join(closed, 'checkout'), 0o755)
    chmodSync(closed, 0o700)
    expect(blockingFolder(join(closed, 'checkout', 'bin', 'run.js'), NOBODY)).toEqual({folder: closed, mode: '0700'})
    chmodSync(closed, 0o711)
    expect(blockingFolder(join(closed, 'checkout'), NOBODY)).toBeUndefined()
  })
})

describe('otherUserCli', () => {
  it.skipIf(process.getuid?.() !== 0)('runs a copy when the program is under a folder the user may not enter, and says so', () => {
    const closed = join(dir.path, 'closed')
    mkdirSync(closed, {mode: 0o700})
    chmodSync(closed, 0o700)
    const program = join(closed, 'accessctl')
    writeFileSync(program, '#!/bin/sh\necho "accessctl/0 as $(id -u)"\n', {mode: 0o755})
    const saved = process.env.ACCESSCTL_TEST_BIN
    process.env.ACCESSCTL_TEST_BIN = program
    try {
      const setup = otherUserCli(NOBODY)
      if (!setup.ok) throw new Error(setup.reason)
      try {
        expect(setup.cli.file).not.toBe(program)
        expect(setup.cli.source).toMatch(new RegExp(`^a copy in .*, since the program ${program} is under ${closed} \\(mode 0700\\), which uid 65534 may not enter$`))
        expect(blockingFolder(setup.cli.file, NOBODY)).toBeUndefined()
      } finally {
        setup.cli.cleanup()
      }
    } finally {
      if (saved === undefined) delete process.env.ACCESSCTL_TEST_BIN
      else process.env.ACCESSCTL_TEST_BIN = saved
    }
  })

  it.skipIf(process.getuid?.() !== 0)('uses the checkout itself when the user can reach it', () => {
    const setup = otherUserCli(NOBODY)
    if (!setup.ok) throw new Error(setup.reason)
    setup.cli.cleanup()
    expect(setup.cli.source).toMatch(/^the checkout$|^a copy in /)
  })
})
