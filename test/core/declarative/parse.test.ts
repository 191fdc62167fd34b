import {describe, expect, it} from 'vitest'

import {API_VERSION, KINDS} from '../../../src/core/declarative/document.js'
import {failure, FULL, parse} from '../../helpers/declarative.js'

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
