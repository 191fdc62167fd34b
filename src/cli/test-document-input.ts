import {type ParsedPolicyTests, parsePolicyTests, POLICY_TEST_LIMITS} from '../core/policy-tests/document.js'
import {readDocumentInput} from './input.js'

/** `test -f FILE` or `-f -`: read whole, capped like every input, and parsed; every problem is exit 2. */
export function readTestDocument(file: string): ParsedPolicyTests {
  return readDocumentInput(file, 'a test document', POLICY_TEST_LIMITS.bytes, parsePolicyTests)
}
