import {ESLint} from 'eslint'
import {describe, expect, it} from 'vitest'

import {PROJECT_ROOT} from '../helpers/cli.js'

/** Lints a snippet as if it were the file at `filePath`, with the project's own eslint.config.js. */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({cwd: PROJECT_ROOT})
  const [result] = await eslint.lintText(code, {filePath: `${PROJECT_ROOT}/${filePath}`})
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('layer rule (eslint no-restricted-imports per folder)', () => {
  it.each([
    ['src/core/x.ts', "import {mutate} from '../domain/audit.js'"],
    ['src/core/x.ts', "import {Store} from '../store/store.js'"],
    ['src/core/x.ts', "import {writeError} from '../cli/output.js'"],
    ['src/domain/x.ts', "import {openInput} from '../cli/input.js'"],
    ['src/domain/x.ts', "export {default} from '../commands/serve.js'"],
    ['src/store/x.ts', "import {mutate} from '../domain/audit.js'"],
  ])('refuses an import that runs back up: %s: %s', async (file, code) => {
    const errors = await layerErrors(file, `${code}\n`)
    expect(errors).toHaveLength(1)
  })

  it.each([
    ['src/core/x.ts', "import {WILDCARD} from './grants.js'"],
    ['src/core/x.ts', "import {UsageError} from '../errors.js'"],
    ['src/domain/x.ts', "import {Store} from '../store/store.js'"],
    ['src/domain/x.ts', "import {WILDCARD} from '../core/grants.js'"],
    ['src/store/x.ts', "import {nowIso} from '../core/ids.js'"],
    ['src/commands/tokens/x.ts', "import {mutate} from '../../domain/audit.js'"],
    ['src/cli/x.ts', "import {mutate} from '../domain/audit.js'"],
  ])('lets an import that runs down pass: %s: %s', async (file, code) => {
    expect(await layerErrors(file, `${code}\n`)).toEqual([])
  })
})

/** The messages of the output rule for a snippet linted as the file at `filePath`. */
async function outputErrors(filePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({cwd: PROJECT_ROOT})
  const [result] = await eslint.lintText(code, {filePath: `${PROJECT_ROOT}/${filePath}`})
  return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax' || m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('output rule: a command prints documents only as Documents (eslint, src/commands)', () => {
  it.each([
    ['src/commands/tokens/x.ts', 'export const text = JSON.stringify({keys: []}, null, 2)'],
    ['src/commands/x.ts', "import {stringify} from 'yaml'\nexport const text = stringify({})"],
    ['src/commands/x.ts', "import {dump} from 'js-yaml'\nexport const text = dump({})"],
    ['src/commands/x.ts', "process.stdout.write('{}\\n')"],
  ])('refuses document text made or written by a command: %s: %s', async (file, code) => {
    expect(await outputErrors(file, `${code}\n`)).toHaveLength(1)
  })

  it.each([
    ['src/commands/x.ts', "import {Document} from '../cli/output.js'\nexport const document = Document.json({keys: []})"],
    ['src/cli/x.ts', 'export const text = JSON.stringify({})'],
    ['src/domain/x.ts', 'export const text = JSON.stringify({})'],
  ])('lets a Document, and JSON outside the commands, pass: %s: %s', async (file, code) => {
    expect(await outputErrors(file, `${code}\n`)).toEqual([])
  })
})
