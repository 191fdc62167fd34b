import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type CliResult, runCli, type TempDir, tempDir} from '../../helpers/cli.js'

/**
 * Issue 17, item 4: a token need not be given in argv (which other users read in /proc/PID/cmdline): `tokens check -`
 * and `deployment authorize --bearer-stdin` read it from the first line of stdin, and answer as the argv forms do.
 */
describe('tokens from stdin', () => {
  let dir: TempDir
  let token: string
  const run = (args: string[], input?: string): Promise<CliResult> => runCli(args, {store: dir.storePath, input})

  beforeAll(async () => {
    dir = tempDir()
    const document = `apiVersion: accessctl/v1
accounts:
  - name: zed@example.com
services:
  - id: churn
    public: false
    versions: [v1]
    permissions: {everyone: [read]}
infrastructures:
  - id: prod
    stage: Production
    permissions: {everyone: [view]}
deployments:
  - service: churn
    infrastructure: prod
    version: v1
`
    expect((await run(['apply', '-f', '-'], document)).code).toBe(0)
    const created = await run(['tokens', 'create', '-t', 'ephemeral', '-i', 'zed@example.com', '-f', 'consume', '-r', 'deployments', '-e', 'churn-on-prod'])
    expect(created.code, created.stderr).toBe(0)
    token = created.stdout.trim()
  })
  afterAll(() => dir.cleanup())

  it('tokens check - reads the token from stdin and answers as the argument form does', async () => {
    const args = ['-f', 'consume', '-r', 'deployments', '-e', 'churn-on-prod']
    const fromArgv = await run(['tokens', 'check', token, ...args])
    const fromStdin = await run(['tokens', 'check', '-', ...args], `${token}\n`)
    expect(fromStdin).toEqual(fromArgv)
    expect(fromStdin.code).toBe(0)
    expect(fromStdin.stdout).toMatch(/^allowed by grant/)

    const denied = await run(['tokens', 'check', '-', '-f', 'edit', '-r', 'services'], token)
    expect(denied.code).toBe(3)
  })

  it('tokens check - with nothing on stdin is a usage error (exit 2)', async () => {
    const empty = await run(['tokens', 'check', '-', '-f', 'consume', '-r', 'deployments'], '')
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('no token on stdin')
  })

  it('deployment authorize --bearer-stdin admits as --bearer does, and refuses an empty or doubled credential', async () => {
    const fromArgv = await run(['deployment', 'authorize', 'churn-on-prod', '--bearer', token, '--json'])
    const fromStdin = await run(['deployment', 'authorize', 'churn-on-prod', '--bearer-stdin', '--json'], `${token}\nignored second line\n`)
    expect(fromStdin.code, fromStdin.stderr).toBe(0)
    expect(JSON.parse(fromStdin.stdout)).toEqual(JSON.parse(fromArgv.stdout))
    expect((JSON.parse(fromStdin.stdout) as {admitted: boolean}).admitted).toBe(true)

    const empty = await run(['deployment', 'authorize', 'churn-on-prod', '--bearer-stdin'], '\n')
    expect(empty.code).toBe(2)
    expect(empty.stderr).toContain('the token is empty')
    const both = await run(['deployment', 'authorize', 'churn-on-prod', '--bearer-stdin', '--bearer', token], token)
    expect(both.code).toBe(2)
    expect(both.stderr).toMatch(/cannot also be provided/)
    expect(both.stderr).not.toContain(token)
  })
})
