import {execFileSync} from 'node:child_process'
import {resolve} from 'node:path'

/**
 * The integration tests run the built CLI (bin/run.js loads dist/lib), so build it from the current sources first:
 * a test must never pass against yesterday's build.
 */
export default function setup(): void {
  if (process.env.ACCESSCTL_TEST_BIN) return
  const root = resolve(import.meta.dirname, '..')
  execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  })
  execFileSync(process.execPath, [resolve(root, 'node_modules/oclif/bin/run.js'), 'manifest'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {...process.env, OCLIF_SKIP_UPDATE_CHECK: '1'},
  })
}
