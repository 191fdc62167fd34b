import {describe, expect, it} from 'vitest'

import {parsePolicyTests, POLICY_TEST_LIMITS, TestDocumentError} from '../../../src/core/policy-tests/document.js'

const problemsOf = (text: string): string[] => {
  try {
    parsePolicyTests(text, 'tests.yaml')
  } catch (error) {
    expect(error).toBeInstanceOf(TestDocumentError)
    return (error as Error).message.split('\n')
  }

  throw new Error('the document was accepted')
}

describe('parsePolicyTests', () => {
  it('reads tests, names the unnamed ones after their account and question, and takes several documents and JSON', () => {
    const parsed = parsePolicyTests(
      `apiVersion: accessctl/v1
tests:
  - name: only devops deploys to prod
    as: alice@example.com
    cannot: deploy service/churn --infra prod
  - as: bob@example.com
    can: ' deploy service/churn --infra prod '
---
{"apiVersion": "accessctl/v1", "tests": [{"as": "0123", "can": "read infra/dev"}]}
`,
      'tests.yaml',
    )
    expect(parsed.tests.map(({path: _path, ...test}) => test)).toEqual([
      {name: 'only devops deploys to prod', as: 'alice@example.com', expect: 'cannot', question: 'deploy service/churn --infra prod', words: {action: 'deploy', target: 'service/churn', infra: 'prod'}},
      {name: 'bob@example.com can deploy service/churn --infra prod', as: 'bob@example.com', expect: 'can', question: 'deploy service/churn --infra prod', words: {action: 'deploy', target: 'service/churn', infra: 'prod'}},
      {name: '0123 can read infra/dev', as: '0123', expect: 'can', question: 'read infra/dev', words: {action: 'read', target: 'infra/dev'}},
    ])
    expect(parsed.tests[2].path).toEqual([1, 'tests', 0])
  })

  it('lists every problem of every test at its line and column: the key for a wrong key, the value for a wrong value', () => {
    expect(
      problemsOf(`apiVersion: accessctl/v2
extra: 1
tests:
  - as: bob
    can: read service/a
    cannot: read service/a
  - as: bob
  - can: read service/a
  - as: bob
    colour: red
    can: read service/a
  - as: bob
    can: read 'service/a'
  - as: [bob]
    can: read service/a
  - plain text
  - as: "  "
    can: read service/a
`),
    ).toEqual([
      'line 1, column 13 of tests.yaml: apiVersion must be accessctl/v1',
      "line 2, column 1 of tests.yaml: unknown key 'extra' in a test document; known keys: apiVersion, tests",
      "line 6, column 5 of tests.yaml: a test has either 'can' or 'cannot', not both",
      "line 7, column 5 of tests.yaml: a test needs 'can' or 'cannot': the question, as auth can-i takes it",
      "line 8, column 5 of tests.yaml: a test needs 'as': the account (id or name) it asks about",
      "line 10, column 5 of tests.yaml: unknown key 'colour' in a test; known keys: name, as, can, cannot",
      `line 13, column 10 of tests.yaml: "'" is not taken in a question: write ACTION TARGET [--infra I] [--service S] [--id ID] as plain words (nothing in them needs quoting)`,
      "line 14, column 9 of tests.yaml: 'as' must be a string",
      'line 16, column 5 of tests.yaml: a test is a mapping: as, can or cannot, and an optional name',
      "line 17, column 9 of tests.yaml: 'as' is empty",
    ])
  })

  it('refuses what is not a test document: bad YAML, anchors, nesting, no tests, past the caps', () => {
    expect(problemsOf('apiVersion: accessctl/v1\ntests: [\n')).toEqual([
      'tests.yaml is not valid YAML at line 3, column 1: unexpected end of the stream within a flow collection',
    ])
    expect(problemsOf('apiVersion: accessctl/v1\ntests:\n  - &t {as: bob, can: read service/a}\n  - *t\n')[0]).toMatch(/^line \d of tests.yaml: anchors and aliases/)
    expect(problemsOf(`apiVersion: accessctl/v1\ntests: ${'['.repeat(20)}${']'.repeat(20)}\n`)[0]).toMatch(/nested deeper than 16 levels/)
    expect(problemsOf('apiVersion: accessctl/v1\ntests: []\n')).toEqual(["tests.yaml holds no tests: expected apiVersion: accessctl/v1 and a list under 'tests'"])
    expect(problemsOf('apiVersion: accessctl/v1\n')).toEqual(["line 1, column 1 of tests.yaml: a test document needs 'tests', a list of tests"])
    expect(problemsOf('- as: bob\n')).toEqual(["line 1, column 1 of tests.yaml: a test document is a mapping with apiVersion: accessctl/v1 and a list under 'tests'"])
    expect(problemsOf(`apiVersion: accessctl/v1\ntests:\n  - {as: bob, can: read service/a, name: ${'n'.repeat(201)}}\n`)).toEqual([
      "line 3, column 42 of tests.yaml: 'name' has at most 200 characters; this one has 201",
    ])

    const many = `apiVersion: accessctl/v1\ntests:\n${'  - {as: bob, can: read service/a}\n'.repeat(POLICY_TEST_LIMITS.tests + 1)}`
    expect(problemsOf(many)).toEqual([`line ${POLICY_TEST_LIMITS.tests + 3}, column 5 of tests.yaml: at most 10,000 tests in one run; split the document`])
    expect(parsePolicyTests(`apiVersion: accessctl/v1\ntests:\n${'  - {as: bob, can: read service/a}\n'.repeat(POLICY_TEST_LIMITS.tests)}`, 'x').tests).toHaveLength(10_000)
  })

  it('lists at most 50 problems, then how many more', () => {
    const lines = problemsOf(`apiVersion: accessctl/v1\ntests:\n${'  - {as: bob}\n'.repeat(60)}`)
    expect(lines).toHaveLength(51)
    expect(lines.at(-1)).toBe('... and 10 more problems')
  })

  it('escapes what it quotes back', () => {
    expect(problemsOf('apiVersion: accessctl/v1\ntests:\n  - {as: bob, can: read service/a, "x\\e[2J\\u202e": 1}\n')).toEqual([
      "line 3, column 36 of tests.yaml: unknown key 'x\\x1b[2J\\u202e' in a test; known keys: name, as, can, cannot",
    ])
  })
})
