import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {PROJECT_ROOT} from '../helpers/cli.js'

interface ManifestFlag {
  name: string
  char?: string
}

/** Issue 13.3: a short flag means one thing across all commands (`-i` is the account everywhere). */
describe('short flags', () => {
  const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {
    commands: Record<string, {flags: Record<string, ManifestFlag>}>
  }

  /**
   * The one deliberate exception: `-f` is the document file of `apply -f` and `diff -f`, as in `kubectl apply -f`
   * (the spec names it), and of `test -f` (the test document, beside them), and the function of the token commands,
   * as in the seed's `tokens create -f consume`. No command has both.
   */
  const DOCUMENT_FILE_COMMANDS = new Set(['apply', 'diff', 'test'])

  it('each short letter maps to one long name across all commands', () => {
    const longNames = new Map<string, Set<string>>()
    for (const [id, command] of Object.entries(manifest.commands)) {
      for (const flag of Object.values(command.flags)) {
        if (flag.char === undefined) continue
        if (flag.char === 'f' && DOCUMENT_FILE_COMMANDS.has(id)) {
          expect(flag.name).toBe('file')
          continue
        }

        const names = longNames.get(flag.char) ?? new Set()
        names.add(flag.name)
        longNames.set(flag.char, names)
      }
    }

    expect(longNames.size).toBeGreaterThan(10)
    const clashes = [...longNames].filter(([, names]) => names.size > 1).map(([char, names]) => `-${char}: ${[...names].join(', ')}`)
    expect(clashes).toEqual([])
  })

  it('-i is the account wherever it appears, and the infrastructure has its own letter', () => {
    const withI = Object.entries(manifest.commands).filter(([, command]) => Object.values(command.flags).some((flag) => flag.char === 'i'))
    expect(withI.map(([id]) => id).sort()).toEqual(
      ['accounts:delete', 'accounts:get', 'groups:add-member', 'groups:remove-member', 'tokens:create', 'tokens:list', 'tokens:revoke', 'tokens:roles:get'].sort(),
    )
    for (const id of ['deployment:create', 'deployment:list']) expect(manifest.commands[id].flags.infra.char).toBe('I')
  })
})
