import type {Expectation, ParsedPolicyTests, PolicyTestSpec, TestProblem} from '../../core/policy-tests/document.js'
import {preview} from '../../core/text.js'
import {UsageError} from '../../errors.js'
import {findAccountById, findAccountByName} from '../accounts.js'
import {requireGlobalAdmin} from '../access.js'
import {type CanIAnswer, canI} from '../can-i/answer.js'
import {planOf} from '../can-i/checks.js'
import {type CanIQuestion, parseCanIAction, parseCanITarget} from '../can-i/question.js'
import type {Context} from '../context.js'
import {type CoverageReport, coverageOf} from './coverage.js'

/**
 * `accessctl test`: every test is `auth can-i --as ACCOUNT QUESTION`, answered by canI itself, so a test holds
 * exactly when can-i (and so the commands' own guards) would answer as it expects. The whole document is checked
 * first (every account, every question), and a document with any problem runs nothing.
 */

export interface PolicyTestResult {
  name: string
  /** The account as the test names it. */
  as: string
  expect: Expectation
  question: string
  passed: boolean
  /**
   * What the guards said: can-i's reason for a no (why a `cannot` held, why a `can` failed), or, for a `cannot`
   * that was allowed, what the account holds that allows it. Null for a `can` that held.
   */
  reason: string | null
}

export interface PolicyTestReport {
  tests: PolicyTestResult[]
  passed: number
  failed: number
  coverage?: CoverageReport
}

interface Prepared {
  spec: PolicyTestSpec
  question: CanIQuestion
}

export function runPolicyTests(ctx: Context, parsed: ParsedPolicyTests, options: {coverage: boolean}): PolicyTestReport {
  // Asked before any account is looked up, as can-i --as is, so that a caller who may not ask cannot learn from a
  // "no such account" which accounts exist.
  if (ctx.caller.kind === 'token') requireGlobalAdmin(ctx, {function: 'get', resource: 'accounts', action: 'test', target: 'accounts'})
  return ctx.store.read(() => {
    const prepared = prepare(ctx, parsed)
    const answers: CanIAnswer[] = []
    const tests = prepared.map(({spec, question}) => {
      const answer = canI(ctx, question)
      answers.push(answer)
      return resultOf(spec, answer)
    })
    const passed = tests.filter((test) => test.passed).length
    const report: PolicyTestReport = {tests, passed, failed: tests.length - passed}
    if (options.coverage) report.coverage = coverageOf(ctx.store.db, answers)
    return report
  })
}

/** Every test's account and question, checked as can-i checks them; every problem of every test at once. */
function prepare(ctx: Context, parsed: ParsedPolicyTests): Prepared[] {
  const {db} = ctx.store
  const problems: TestProblem[] = []
  const prepared: Prepared[] = []
  const accountIds = new Map<string, string | undefined>()
  for (const spec of parsed.tests) {
    if (!accountIds.has(spec.as)) accountIds.set(spec.as, (findAccountById(db, spec.as) ?? findAccountByName(db, spec.as))?.id)
    const accountId = accountIds.get(spec.as)
    if (accountId === undefined) problems.push({path: [...spec.path, 'as'], message: `no account with id or name '${preview(spec.as)}'`})
    try {
      const {words} = spec
      const question: CanIQuestion = {
        action: parseCanIAction(words.action),
        target: parseCanITarget(words.target),
        service: words.service,
        infra: words.infra,
        id: words.id,
        as: accountId,
      }
      // The checks of the question alone (a flag that does not fit the action, an invalid id), which planOf makes
      // before it asks any guard.
      planOf(db, question)
      if (accountId !== undefined) prepared.push({spec, question})
    } catch (error) {
      if (!(error instanceof UsageError)) throw error
      problems.push({path: [...spec.path, spec.expect], message: error.message})
    }
  }

  if (problems.length > 0) throw parsed.fail(problems)
  return prepared
}

function resultOf(spec: PolicyTestSpec, answer: CanIAnswer): PolicyTestResult {
  const passed = answer.allowed === (spec.expect === 'can')
  let reason = answer.reason
  if (answer.allowed && spec.expect === 'cannot') {
    const held = answer.needs.map((need) => (need.kind === 'global' ? `the global privilege ${need.privilege}` : `${need.privilege} on ${need.kind} ${need.id}`))
    reason = `allowed: the account holds ${held.length === 0 ? 'what it needs' : held.join(' and ')}`
  }

  return {name: spec.name, as: spec.as, expect: spec.expect, question: spec.question, passed, reason}
}
