import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {AUTH_MODES, INFRA_PRIVILEGES, INFRA_STAGES, SERVICE_PRIVILEGES} from '../../../src/core/deployer.js'
import {API_VERSION, KINDS, OBJECT_KEYS, REQUIRED_KEYS} from '../../../src/core/declarative/document.js'
import {PROJECT_ROOT} from '../../helpers/cli.js'

describe('the JSON Schema in schema/', () => {
  const schema = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'accessctl.schema.json'), 'utf8'))

  it('names the same kinds, keys and required keys as the parser', () => {
    expect(Object.keys(schema.properties)).toEqual(['apiVersion', ...KINDS])
    expect(schema.properties.apiVersion.const).toBe(API_VERSION)
    for (const kind of KINDS) {
      const items = schema.properties[kind].items
      expect(Object.keys(items.properties).sort()).toEqual([...OBJECT_KEYS[kind]].sort())
      expect(items.required).toEqual([...REQUIRED_KEYS[kind]])
      expect(items.additionalProperties).toBe(false)
    }
  })

  it('has the same enumerations as the rules', () => {
    const items = (kind: string) => schema.properties[kind].items.properties
    expect(items('services').permissions.additionalProperties.items.enum).toEqual([...SERVICE_PRIVILEGES])
    expect(items('infrastructures').permissions.additionalProperties.items.enum).toEqual([...INFRA_PRIVILEGES])
    expect(items('infrastructures').stage.enum).toEqual([...INFRA_STAGES])
    expect(items('deployments').auth.enum).toEqual([...AUTH_MODES])
  })

  it('is shipped in the package', () => {
    const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'))
    expect(pkg.files).toContain('schema')
  })
})
