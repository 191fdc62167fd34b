import {defineConfig} from 'vitest/config'

/**
 * `npm run test:binary`: the integration suite and the executable's own tests against dist/accessctl
 * (ACCESSCTL_TEST_BIN, set by the npm script) instead of bin/run.js.
 */
export default defineConfig({
  test: {
    include: ['test/commands/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
})
