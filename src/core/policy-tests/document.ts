import {UsageError} from '../../errors.js'
import {API_VERSION} from '../declarative/document.js'
import {DocumentError, readYamlStream, type YamlStream} from '../declarative/yaml-document.js'
import {MAX_ACCOUNT_NAME_LENGTH} from '../names.js'
import {preview} from '../text.js'
import {QuestionError, type QuestionWords, splitQuestion} from './question.js'

/**
 * The document of `accessctl test` (pure: no I/O): a list of tests, each an account (`as`) and a question it `can`
 * or `cannot` be answered yes to. Read by apply's YAML reader (src/core/declarative/yaml-document.ts: every scalar a
 * string, anchors and aliases refused, nesting capped), and a problem names its line and column.
 */

export const POLICY_TEST_LIMITS = {
  /** The whole document: 10,000 tests of a few lines each are well under 2 MiB. */
  bytes: 4 * 1024 * 1024,
  tests: 10_000,
  name: 200,
  question: 1000,
} as const

export const TEST_DOCUMENT_KEYS = ['apiVersion', 'tests'] as const
export const TEST_KEYS = ['name', 'as', 'can', 'cannot'] as const

export type Expectation = 'can' | 'cannot'

export type TestPath = ReadonlyArray<string | number>

export interface PolicyTestSpec {
  /** As written, or made from the test: `alice@example.com cannot deploy service/churn --infra prod`. */
  name: string
  /** An account id or name. */
  as: string
  expect: Expectation
  /** The question as written (spaces trimmed). */
  question: string
  words: QuestionWords
  /** Where the test is, and where its question is, for problems found after reading (an unknown account). */
  path: TestPath
}

export interface TestProblem {
  path: TestPath
  message: string
  /** Placed at the key of the last step of the path (an unknown key) rather than at its value. */
  atKey?: boolean
}

export class TestDocumentError extends UsageError {}

export interface ParsedPolicyTests {
  source: string
  tests: PolicyTestSpec[]
  /** Problems that only the store can tell (an unknown account) are placed with this. */
  fail: (problems: TestProblem[]) => TestDocumentError
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** At most this many problems are listed; the count of the rest follows them. */
const LISTED_PROBLEMS = 50

/**
 * Reads the whole document (one or more YAML documents, or JSON); every test of every document is one test. Every
 * problem of every test is collected and thrown at once as a TestDocumentError (exit 2), each at its line and column.
 */
export function parsePolicyTests(text: string, source: string): ParsedPolicyTests {
  let stream: YamlStream
  try {
    stream = readYamlStream(text, source)
  } catch (error) {
    // The same words, as this document's own kind of error.
    if (error instanceof DocumentError) throw new TestDocumentError(error.message)
    throw error
  }

  const {documents} = stream
  const problems: TestProblem[] = []
  const tests = readTests(documents, problems)
  const fail = failer(stream.positionOf, source)
  if (problems.length > 0) throw fail(problems)
  if (tests.length === 0) throw new TestDocumentError(`${source} holds no tests: expected apiVersion: ${API_VERSION} and a list under 'tests'`)
  return {source, tests, fail}
}

function readTests(documents: unknown[], problems: TestProblem[]): PolicyTestSpec[] {
  const problem = (path: TestPath, message: string) => problems.push({path, message})
  const tests: PolicyTestSpec[] = []
  for (const [index, document] of documents.entries()) {
    if (document === null || document === undefined) continue
    if (!isMap(document)) {
      problem([index], `a test document is a mapping with apiVersion: ${API_VERSION} and a list under 'tests'`)
      continue
    }

    knownKeys(document, [index], TEST_DOCUMENT_KEYS, 'a test document', problems)
    if (document.apiVersion === undefined) problem([index], "a test document needs 'apiVersion'")
    else if (document.apiVersion !== API_VERSION) problem([index, 'apiVersion'], `apiVersion must be ${API_VERSION}`)
    const list = document.tests
    if (list === undefined || list === null) {
      problem([index], "a test document needs 'tests', a list of tests")
      continue
    }

    if (!Array.isArray(list)) {
      problem([index, 'tests'], "'tests' must be a list")
      continue
    }

    for (const [position, item] of list.entries()) {
      if (tests.length === POLICY_TEST_LIMITS.tests) {
        problem([index, 'tests', position], `at most ${POLICY_TEST_LIMITS.tests.toLocaleString('en-US')} tests in one run; split the document`)
        return tests
      }

      const test = readTest(item, [index, 'tests', position], problems)
      if (test) tests.push(test)
    }
  }

  return tests
}

function knownKeys(value: Record<string, unknown>, path: TestPath, known: readonly string[], what: string, problems: TestProblem[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.push({path: [...path, key], message: `unknown key '${preview(key)}' in ${what}; known keys: ${known.join(', ')}`, atKey: true})
  }
}

/** A test with any problem is not kept: its problems are listed, and nothing runs. */
function readTest(item: unknown, path: TestPath, problems: TestProblem[]): PolicyTestSpec | undefined {
  const problem = (at: TestPath, message: string) => problems.push({path: at, message})
  if (!isMap(item)) {
    problem(path, 'a test is a mapping: as, can or cannot, and an optional name')
    return undefined
  }

  const before = problems.length
  knownKeys(item, path, TEST_KEYS, 'a test', problems)
  const text = (key: string, cap: number): string | undefined => {
    const value = item[key]
    if (value === undefined || value === null) return undefined
    if (typeof value !== 'string') return void problem([...path, key], `'${key}' must be a string`)
    if (value.trim() === '') return void problem([...path, key], `'${key}' is empty`)
    if (value.length > cap) return void problem([...path, key], `'${key}' has at most ${cap} characters; this one has ${value.length}`)
    return value.trim()
  }

  const name = text('name', POLICY_TEST_LIMITS.name)
  const as = text('as', MAX_ACCOUNT_NAME_LENGTH)
  if (item.as === undefined || item.as === null) problem(path, "a test needs 'as': the account (id or name) it asks about")
  const can = text('can', POLICY_TEST_LIMITS.question)
  const cannot = text('cannot', POLICY_TEST_LIMITS.question)
  const hasCan = item.can !== undefined && item.can !== null
  const hasCannot = item.cannot !== undefined && item.cannot !== null
  if (hasCan && hasCannot) problems.push({path: [...path, 'cannot'], message: "a test has either 'can' or 'cannot', not both", atKey: true})
  if (!hasCan && !hasCannot) problem(path, "a test needs 'can' or 'cannot': the question, as auth can-i takes it")
  const expect: Expectation = hasCan ? 'can' : 'cannot'
  const question = hasCan ? can : cannot
  let words: QuestionWords | undefined
  if (question !== undefined && !(hasCan && hasCannot)) {
    try {
      words = splitQuestion(question)
    } catch (error) {
      if (!(error instanceof QuestionError)) throw error
      problem([...path, expect], error.message)
    }
  }

  if (problems.length > before || as === undefined || question === undefined || words === undefined) return undefined
  return {name: name ?? `${as} ${expect} ${question}`, as, expect, question, words, path}
}

/** Places problems at their line and column (the shared reader parses positions only on the first failure). */
function failer(positionOf: YamlStream['positionOf'], source: string): (problems: TestProblem[]) => TestDocumentError {
  return (problems) => {
    const placed = problems.map((problem) => ({problem, at: positionOf(problem.path, {atKey: problem.atKey ?? false})}))
    placed.sort((a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.column ?? 0) - (b.at?.column ?? 0))
    const lines = placed
      .slice(0, LISTED_PROBLEMS)
      .map(({problem, at}) => (at === undefined ? `${source}: ${problem.message}` : `line ${at.line}, column ${at.column} of ${source}: ${problem.message}`))
    if (placed.length > LISTED_PROBLEMS) lines.push(`... and ${placed.length - LISTED_PROBLEMS} more problems`)
    return new TestDocumentError(lines.join('\n'))
  }
}
