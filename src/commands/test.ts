import {Flags} from '@oclif/core'

import {AccessctlCommand, localOperator} from '../cli/base-command.js'
import {readDocument} from '../cli/document-input.js'
import {chalkFor, renderLines} from '../cli/output.js'
import {checkReportPath, writeReportFile} from '../cli/report-file.js'
import {readTestDocument} from '../cli/test-document-input.js'
import {junitXml} from '../core/policy-tests/junit.js'
import type {CoverageReport} from '../domain/policy-tests/coverage.js'
import {type PolicyTestReport, runPolicyTests} from '../domain/policy-tests/run.js'
import {withAppliedState} from '../domain/policy-tests/state.js'
import {UsageError} from '../errors.js'

/** Exit status when a test fails: apart from 0-6 (and from diff's 10), so CI can tell a broken policy from an error. */
export const TESTS_FAILED_EXIT = 11

export type TestResult = PolicyTestReport

export default class Test extends AccessctlCommand {
  static override readsOnly = true
  static override summary = 'Run policy tests: may each account do what the document says it can (or cannot)? Exit 11 when any fails.'
  static override description = `A test document lists tests under 'tests', each with 'as' (an account id or name), 'can' or 'cannot' (ACTION TARGET and flags, exactly as 'auth can-i' takes them: plain words, no quotes) and an optional 'name'. Each test is answered by 'auth can-i --as ACCOUNT', so by the commands' own guards; the document is checked whole first (line and column of every problem, unknown accounts included) and runs nothing if any is wrong (exit 2).

Against the store (which needs the operator, an admin key or a token of a global administrator, as can-i --as does), or with --state DOC against the state that applying DOC (an apply document) to an empty store would make, built in memory: no store is opened, so no credential is needed. Exit status: 0 when every test holds, ${TESTS_FAILED_EXIT} when any fails, 2-6 on errors. --junit FILE writes a JUnit XML report; --coverage lists the permission rows, memberships and global privileges no test's answer relied on. See docs/access-reviews.md, "Policy tests".`

  static override examples = [
    `cat > tests.yaml <<'EOF'
apiVersion: accessctl/v1
tests:
  - name: only devops deploys to production
    as: alice@example.com
    cannot: deploy service/churn-model --infra prod-eu
  - as: bob@example.com
    can: deploy service/churn-model --infra prod-eu
EOF`,
    '<%= config.bin %> <%= command.id %> -f tests.yaml',
    '<%= config.bin %> <%= command.id %> -f tests.yaml --junit report.xml --coverage',
    `<%= config.bin %> <%= command.id %> -f - --json <<'EOF'   # a test that fails (exit ${TESTS_FAILED_EXIT})
apiVersion: accessctl/v1
tests:
  - {as: alice@example.com, can: deploy service/churn-model --infra prod-eu}
EOF`,
    `cat > proposed.yaml <<'EOF'
apiVersion: accessctl/v1
groups: [{name: devops}, {name: data-scientists}]
accounts: [{name: alice@example.com, groups: [data-scientists]}, {name: bob@example.com, groups: [devops]}]
infrastructures: [{id: prod-eu, stage: Production, permissions: {devops: [deploy], data-scientists: [view]}}]
services: [{id: churn-model, permissions: {devops: [deploy], data-scientists: [deploy]}}]
EOF`,
    '<%= config.bin %> <%= command.id %> -f tests.yaml --state proposed.yaml   # the document, before it is applied',
  ]

  static override flags = {
    file: Flags.string({char: 'f', description: "The test document: a YAML or JSON file, or '-' for stdin (at most 4 MiB and 10,000 tests).", required: true}),
    state: Flags.string({description: "Test the state an apply document would make of an empty store (a file, or '-' for stdin), not the store."}),
    junit: Flags.string({description: 'Also write a JUnit XML report to this file (replaced if it exists; a symbolic link is refused).'}),
    coverage: Flags.boolean({description: 'Also list the permission rows, group memberships and global privileges that no test exercised.'}),
  }

  async run(): Promise<TestResult> {
    const {flags} = await this.parse(Test)
    if (flags.file === '-' && flags.state === '-') throw new UsageError('-f and --state cannot both be stdin: give one of them as a file')
    const tests = readTestDocument(flags.file)
    const state = flags.state === undefined ? undefined : readDocument(flags.state)
    if (flags.junit !== undefined) checkReportPath(flags.junit, 'the JUnit report')
    const options = {coverage: flags.coverage}
    const report = state
      ? withAppliedState(state, localOperator(), (ctx) => runPolicyTests(ctx, tests, options))
      : runPolicyTests(await this.context(flags), tests, options)

    if (flags.junit !== undefined) {
      const cases = report.tests.map((test) => ({
        name: test.name,
        classname: test.as,
        failure: test.passed ? undefined : {message: test.reason ?? 'failed', details: `${test.as} ${test.expect} ${test.question}\n${test.reason ?? ''}`},
      }))
      writeReportFile(flags.junit, junitXml(tests.source, cases), 'the JUnit report')
    }

    this.say(renderLines([...report.tests.map((test) => (test.passed ? `ok    ${test.name}` : `FAIL  ${test.name}: ${test.reason}`)), `${report.passed} passed, ${report.failed} failed`]))
    if (report.coverage) this.say(renderLines(coverageLines(report.coverage)))
    if (report.failed > 0) {
      process.exitCode = TESTS_FAILED_EXIT
      if (!this.jsonEnabled()) process.stderr.write(`${chalkFor(process.stderr).red('Error:')} ${report.failed} of ${report.tests.length} policy tests failed\n`)
    }

    return report
  }
}

function coverageLines(coverage: CoverageReport): string[] {
  const {permissions, memberships, globalPrivileges} = coverage
  return [
    `coverage: ${permissions.exercised} of ${permissions.total} permission rows, ${memberships.exercised} of ${memberships.total} memberships, ` +
      `${globalPrivileges.exercised} of ${globalPrivileges.total} global privileges exercised`,
    ...permissions.unexercised.map((cell) => `  not exercised: ${cell.privilege} on ${cell.kind} ${cell.id} for group ${cell.group}`),
    ...memberships.unexercised.map((membership) => `  not exercised: ${membership.accountName} in group ${membership.group}`),
    ...globalPrivileges.unexercised.map((cell) => `  not exercised: ${cell.privilege} of group ${cell.group}`),
  ]
}

