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
