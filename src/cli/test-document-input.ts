import {type ParsedPolicyTests, parsePolicyTests, POLICY_TEST_LIMITS} from '../core/policy-tests/document.js'
import {closeInput, openInput, readAllText} from './input.js'

/** `test -f FILE` or `-f -`: read whole, capped like every input, and parsed; every problem is exit 2. */
export function readTestDocument(file: string): ParsedPolicyTests {
  const input = openInput(file, 'a test document')
  try {
    const text = readAllText(input, {what: 'a test document', cap: POLICY_TEST_LIMITS.bytes, strictUtf8: true})
    return parsePolicyTests(text, input.name)
  } finally {
    closeInput(input)
  }
}
