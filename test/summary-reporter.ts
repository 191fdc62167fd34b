import type {Reporter} from 'vitest/reporters'

interface TaskLike {
  type: string
  mode?: string
  result?: {state?: string}
  tasks?: TaskLike[]
}

/**
 * Ends every run with one plain line, `N passed, N failed`, so CI (and a person) can see at a glance how many tests
 * ran. A file that fails to load counts as one failure, as does an unhandled error.
 */
export default class SummaryLineReporter implements Reporter {
  onFinished(files: TaskLike[] = [], errors: unknown[] = []): void {
    let passed = 0
    let failed = 0
    let skipped = 0
    const visit = (task: TaskLike): void => {
      if (task.type === 'test') {
        const state = task.result?.state
        if (state === 'pass') passed++
        else if (state === 'fail') failed++
        else skipped++
        return
      }

      for (const child of task.tasks ?? []) visit(child)
    }

    for (const file of files) {
      const before = passed + failed + skipped
      visit(file)
      if (passed + failed + skipped === before && file.result?.state === 'fail') failed++
    }

    failed += errors.length
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`)
  }
}
