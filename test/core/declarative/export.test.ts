import fc from 'fast-check'
import {parse as parseYaml} from 'yaml'
import {describe, expect, it} from 'vitest'

import {API_VERSION} from '../../../src/core/declarative/document.js'
import {documentYaml, exportDocument} from '../../../src/core/declarative/export.js'
import {parse} from '../../helpers/declarative.js'

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

  it('writes any name so that it reads back exactly, by the failsafe reader of apply and by a YAML 1.2 reader', () => {
    const name = fc.oneof(fc.string({unit: 'binary', minLength: 1, maxLength: 40}), fc.constantFrom('2026-01-01', '-a', '---', '<<', '=', '?', "'s'", 'a\u00a0b', '1.0', 'null'))
    fc.assert(
      fc.property(fc.uniqueArray(name, {maxLength: 5}), (names) => {
        const text = documentYaml(exportDocument({accounts: names.map((n, i) => ({name: n, id: i.toString(16).padStart(32, '0'), groups: []}))}))
        expect(parse(text).state.accounts.map((a) => a.name)).toEqual(names)
        expect((parseYaml(text) as {accounts: Array<{name: unknown}>}).accounts.map((a) => a.name)).toEqual(names)
      }),
      {numRuns: 300},
    )
  })
})
