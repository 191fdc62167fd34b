import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {AUTH_MODES, INFRA_PRIVILEGES, INFRA_STAGES, SERVICE_PRIVILEGES} from '../../src/core/deployer.js'
import {
  API_VERSION,
  computePlan,
  type CurrentState,
  describeChange,
  documentYaml,
  exportDocument,
  KINDS,
  OBJECT_KEYS,
  parseDesiredState,
  REQUIRED_KEYS,
} from '../../src/core/desired-state.js'
import {UsageError} from '../../src/errors.js'
import {PROJECT_ROOT} from '../helpers/cli.js'

const emptyStore = (): CurrentState => ({
  groups: new Map([['everyone', {admin: false, mayCreateServices: false}]]),
  accounts: new Map(),
  accountIdByName: new Map(),
  members: new Map(),
  services: new Map(),
  infrastructures: new Map(),
  deployments: new Map(),
})

const parse = (text: string) => parseDesiredState(text, 'doc.yaml')
const failure = (text: string): string => {
  try {
    parse(text)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as Error).message
  }

  throw new Error('expected the document to be refused')
}

const FULL = `apiVersion: accessctl/v1
groups:
  - name: devops
    admin: false
    mayCreateServices: true
    members: [alice@example.com]
accounts:
  - name: alice@example.com
    id: 0123456789abcdef0123456789abcdef
    groups: []
services:
  - id: churn
    public: false
    owner: alice@example.com
    versions: [v1, "2"]
    permissions: {devops: [deploy, read], everyone: []}
infrastructures:
  - id: prod
    stage: Production
    permissions: {devops: [admin]}
deployments:
  - service: churn
    infrastructure: prod
    version: v1
    auth: api-keys
    enabled: false
`

describe('parseDesiredState', () => {
  it('reads every kind, with privileges in canonical order and defaults left unset', () => {
    const {state} = parse(FULL)
    expect([...state.kinds]).toEqual([...KINDS])
    expect(state.groups[0]).toMatchObject({name: 'devops', admin: false, mayCreateServices: true, members: ['alice@example.com']})
    expect(state.accounts[0]).toMatchObject({name: 'alice@example.com', id: '0123456789abcdef0123456789abcdef', groups: []})
    expect(state.services[0]).toMatchObject({id: 'churn', public: false, owner: 'alice@example.com', versions: ['v1', '2']})
    expect([...state.services[0].permissions!]).toEqual([['devops', ['read', 'deploy']], ['everyone', []]])
    expect(state.deployments[0]).toMatchObject({id: 'churn-on-prod', auth: 'api-keys', enabled: false})
  })

  it('takes several YAML documents in one stream, and JSON', () => {
    const {state} = parse(`apiVersion: accessctl/v1\ngroups: [{name: a}]\n---\napiVersion: accessctl/v1\ngroups: [{name: b}]\n`)
    expect(state.groups.map((g) => g.name)).toEqual(['a', 'b'])
    const json = parse(JSON.stringify({apiVersion: API_VERSION, services: [{id: 's1', public: true}]}))
    expect(json.state.services[0]).toMatchObject({id: 's1', public: true})
  })

  it('keeps scalars as written (failsafe): a name of digits or a date stays a string', () => {
    const {state} = parse(`apiVersion: accessctl/v1\naccounts:\n  - name: 2026-01-01\n  - name: 0123\n`)
    expect(state.accounts.map((a) => a.name)).toEqual(['2026-01-01', '0123'])
  })

  it.each([
    ['a syntax error, with line and column', 'apiVersion: accessctl/v1\ngroups:\n  - name: [a\n', /not valid YAML at line \d+, column \d+/],
    ['a duplicate key', 'apiVersion: accessctl/v1\napiVersion: accessctl/v1\n', /line 2, column 1: duplicated mapping key/],
    ['an unknown key', 'apiVersion: accessctl/v1\ngroups:\n  - name: a\n    admn: true\n', /^line 4 of doc.yaml: unknown key 'admn'/],
    ['an unknown top-level key', 'apiVersion: accessctl/v1\ngropus: []\n', /^line 2 of doc.yaml: unknown key 'gropus'/],
    ['a wrong type', 'apiVersion: accessctl/v1\ngroups:\n  - name: a\n    admin: yes\n', /^line 4 of doc.yaml: 'admin' must be true or false/],
    ['a list that is a string', 'apiVersion: accessctl/v1\naccounts: alice\n', /^line 2 of doc.yaml: 'accounts' must be a list/],
    ['a missing required key', 'apiVersion: accessctl/v1\ninfrastructures:\n  - id: prod\n', /^line 3 of doc.yaml: an entry of 'infrastructures' needs 'stage'/],
    ['a missing apiVersion', 'groups: []\n', /^line 1 of doc.yaml: a document needs 'apiVersion'/],
    ['a wrong apiVersion', 'apiVersion: v2\n', /apiVersion must be accessctl\/v1/],
    ['a duplicate name', 'apiVersion: accessctl/v1\ngroups:\n  - name: a\n  - name: b\n  - name: a\n', /^line 5 of doc.yaml: group 'a' appears twice/],
    ['a duplicate across documents', 'apiVersion: accessctl/v1\nservices: [{id: s}]\n---\napiVersion: accessctl/v1\nservices:\n  - id: s\n', /^line 6 of doc.yaml: service 's' appears twice/],
    ['a duplicate in a list', 'apiVersion: accessctl/v1\nservices:\n  - id: s\n    versions:\n      - v1\n      - v1\n', /^line 6 of doc.yaml: 'v1' appears twice/],
    ['an unknown privilege', 'apiVersion: accessctl/v1\nservices:\n  - id: s\n    permissions:\n      devops: [view]\n', /^line 5 of doc.yaml: unknown privilege 'view'/],
    ['a bad group name', 'apiVersion: accessctl/v1\ngroups:\n  - name: Dev Ops\n', /^line 3 of doc.yaml: 'Dev Ops' is not a valid group name/],
    ['a bad account id', 'apiVersion: accessctl/v1\naccounts:\n  - name: a\n    id: 123\n', /^line 4 of doc.yaml: '123' is not an account id/],
    ['members of everyone', 'apiVersion: accessctl/v1\naccounts:\n  - name: a\n    groups: [everyone]\n', /line 4 of doc.yaml: every account is in 'everyone'/],
    ['an anchor', 'apiVersion: accessctl/v1\ngroups:\n  - &g {name: a}\n  - *g\n', /anchors and aliases/],
    ['an undefined alias', 'apiVersion: accessctl/v1\ngroups: *g\n', /not valid YAML at line 2/],
    ['a list of scalars as a document', '- a\n- b\n', /^line 1 of doc.yaml: a document must be a mapping/],
    ['an empty document', '\n# nothing\n', /is empty/],
  ])('refuses %s, naming the line', (_what, text, message) => {
    expect(failure(text)).toMatch(message)
  })

  it('refuses a YAML bomb at its first anchor, before anything expands', () => {
    const lines = ['apiVersion: accessctl/v1', 'x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]']
    for (let i = 1; i < 30; i++) lines.push(`x${i}: &a${i} [${Array.from({length: 9}, () => `*a${i - 1}`).join(', ')}]`)
    const started = performance.now()
    expect(failure(lines.join('\n'))).toMatch(/line 2 of doc.yaml: anchors and aliases/)
    expect(performance.now() - started).toBeLessThan(1000)
  })

  it('refuses deep nesting fast, without exhausting the stack', () => {
    const deep = `apiVersion: accessctl/v1\ngroups: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`
    const started = performance.now()
    expect(failure(deep)).toMatch(/nested deeper than 16 levels/)
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('lists several problems at once, each with its line', () => {
    const message = failure('apiVersion: accessctl/v1\ngroups:\n  - name: a\n    admin: maybe\n  - name: b\n    colour: red\n')
    expect(message.split('\n')).toEqual([
      "line 4 of doc.yaml: 'admin' must be true or false",
      "line 6 of doc.yaml: unknown key 'colour' in an entry of 'groups'; known keys: name, admin, mayCreateServices, members",
    ])
  })
})

describe('computePlan', () => {
  it('plans every creation against an empty store, and places each unknown reference at its line', () => {
    const parsed = parse(FULL)
    const {changes, problems} = computePlan(parsed.state, emptyStore(), {prune: false})
    expect(problems).toEqual([])
    expect(changes.map(({change}) => describeChange(change))).toEqual([
      '+ create group devops (admin: false, mayCreateServices: true)',
      '+ create account alice@example.com (id: 0123456789abcdef0123456789abcdef, groups: [devops])',
      '+ create service churn (public: false, owner: alice@example.com)',
      '+ create service version churn/v1',
      '+ create service version churn/2',
      '+ create service permission churn/devops ([read, deploy])',
      '+ create service permission churn/everyone ([])',
      '+ create infrastructure prod (stage: Production)',
      '+ create infrastructure permission prod/devops ([admin])',
      '+ create deployment churn-on-prod (service: churn, infrastructure: prod, version: v1, auth: api-keys, enabled: false)',
    ])

    const bad = parse(`apiVersion: accessctl/v1
accounts:
  - name: bob
    groups: [nobody]
services:
  - id: s
    owner: carol
    versions: [v1]
deployments:
  - service: s
    infrastructure: nowhere
    version: v2
`)
    const planned = computePlan(bad.state, emptyStore(), {prune: false})
    expect(planned.problems.map(bad.locate)).toEqual([
      "line 4 of doc.yaml: no group named 'nobody' in the document or the store",
      "line 7 of doc.yaml: no account with id or name 'carol' in the document or the store",
      "line 12 of doc.yaml: service 's' has no version 'v2' in the document or the store",
      "line 11 of doc.yaml: no infrastructure with id 'nowhere' in the document or the store",
    ])
  })

  it('changes only what differs, and removes only with --prune (never everyone)', () => {
    const store = emptyStore()
    store.groups.set('devops', {admin: true, mayCreateServices: false})
    store.groups.set('old', {admin: false, mayCreateServices: false})
    store.services.set('churn', {public: true, ownerAccountId: null, permissions: new Map([['old', ['read']]]), versions: ['v1']})
    const parsed = parse('apiVersion: accessctl/v1\ngroups:\n  - name: devops\n    admin: false\nservices:\n  - id: churn\n    permissions: {}\n')
    const describe = (prune: boolean) => computePlan(parsed.state, store, {prune}).changes.map(({change}) => describeChange(change))
    expect(describe(false)).toEqual(['~ change group devops: admin true -> false', '- remove service permission churn/old'])
    expect(describe(true)).toEqual(['~ change group devops: admin true -> false', '- remove service permission churn/old', '- remove group old'])
  })
})

describe('export format', () => {
  it('reads back what it writes', () => {
    const document = exportDocument({
      groups: [{name: 'devops', admin: false, mayCreateServices: true}],
      accounts: [{name: 'true', id: '0123456789abcdef0123456789abcdef', groups: ['devops']}],
      services: [{id: 's', public: false, owner: 'true', permissions: new Map([['devops', ['deploy' as const]]]), versions: ['1.0']}],
      infrastructures: [{id: 'i', stage: 'Test', permissions: new Map()}],
      deployments: [{id: 'd', service: 's', infrastructure: 'i', version: '1.0', auth: 'public', enabled: true}],
    })
    const text = documentYaml(document)
    const {state} = parse(text)
    expect(state.accounts[0]).toMatchObject({name: 'true', groups: ['devops']})
    expect(state.services[0]).toMatchObject({id: 's', public: false, owner: 'true', versions: ['1.0']})
    expect(exportDocument({})).toEqual({apiVersion: API_VERSION})
  })

  it('keeps names exactly as stored, whatever they hold, and escapes in YAML syntax what could drive a terminal', () => {
    const names = ['a\nb', 'x\u202Ey', '\u001B[31mred', 'true', '~', '- x', '#c', '  lead', ': c', '0123', '2026-01-01', '😀', 'c1\u009B', '\uFEFFbom', 'tab\tx']
    const text = documentYaml(exportDocument({accounts: names.map((name, i) => ({name, id: i.toString(16).padStart(32, '0'), groups: []}))}))
    expect(parse(text).state.accounts.map((a) => a.name)).toEqual(names)
    // One name, one line: the same text is safe on a terminal and exact in a file.
    expect(text).toContain('- name: "x\\u202ey"\n')
    expect(text).toContain('- name: "a\\x0ab"\n')
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFEFF]/)
  })
})

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
