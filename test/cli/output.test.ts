import {describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {Document, humanText, renderFields, Rendered} from '../../src/cli/output.js'
import {yamlText} from '../../src/core/yaml-text.js'

const piped = {isTTY: false} as typeof process.stdout

function written(document: Document): string {
  let text = ''
  document.writeTo({write: (chunk: string) => (text += chunk)})
  return text
}

describe('messages and documents are two types', () => {
  it('a document is never human output: the message path does not take it (checked by the typecheck)', () => {
    const jwks = Document.json({keys: []})
    // @ts-expect-error a Document is not a message: say() and humanText() escape line breaks, which breaks a document
    expect(() => humanText(jwks)).toThrow()
    expect(humanText('line\nbreak')).toBe('line\\x0abreak')
    expect(humanText(new Rendered('a\nb'))).toBe('a\nb')
  })

  it('a JSON document keeps its line breaks and escapes, in JSON, what could drive a terminal', () => {
    const text = written(Document.json({keys: [{label: 'a\u202Eb\u009B'}]}))
    expect(text).toBe('{\n  "keys": [\n    {\n      "label": "a\\u202eb\\u009b"\n    }\n  ]\n}\n')
    expect(JSON.parse(text)).toEqual({keys: [{label: 'a\u202Eb\u009B'}]})
  })

  it('a YAML document is printed as yamlText made it, with one final line break', () => {
    expect(written(Document.yaml(yamlText({account: 'x\ny'})))).toBe('account: "x\\x0ay"\n')
  })

  it('a credential is one line of base64url characters, or it is not printed', () => {
    expect(written(Document.credential('acak_abc-DEF_123'))).toBe('acak_abc-DEF_123\n')
    expect(written(Document.credential('eyJh.eyJi.c2ln'))).toBe('eyJh.eyJi.c2ln\n')
    for (const bad of ['', 'acak_x\n', 'acak x', 'eyJ\u001B[2J', 'acak_\u202E']) expect(() => Document.credential(bad), JSON.stringify(bad)).toThrow()
  })
})

describe('renderFields: human fields that are YAML', () => {
  it('aligns the keys, quotes what YAML would read otherwise, and leaves nothing empty', () => {
    const text = renderFields(
      [
        ['label', 'ci: deploy #1'],
        ['role', null],
        ['active tokens', 3],
        ['name', 'alice'],
      ],
      piped,
    ).text
    expect(text).toBe('label:         "ci: deploy #1"\nrole:\nactive tokens: 3\nname:          alice')
    expect(parseYaml(text)).toEqual({label: 'ci: deploy #1', role: null, 'active tokens': 3, name: 'alice'})
  })
})
