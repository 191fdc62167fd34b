import {cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT} from '../helpers/cli.js'
import {exampleShellEnv, programOnPath, runBashScript, type ScriptRun} from '../helpers/example-shell.js'
import {readmeScript} from '../helpers/readme-script.js'

/**
 * Every command's `--help` examples are a test, as the README's are: each command's examples run in order in one
 * bash, as written (`<%= config.bin %>` is accessctl, `<%= command.id %>` the command), against a copy of one
 * fixture store, so the examples of one command never see what another's did. A command whose comment says
 * `(exit N)` must exit N; any other must succeed. What an example shows is checked as in the README
 * (test/helpers/readme-script.ts): `# => TEXT` is its stdout, `# Error: MESSAGE` how its stderr starts, and a
 * `.json` or `.yaml` file it writes with `>` is read with JSON.parse or the yaml package. The secrets the examples use ($TOKEN, $KEY, ...) cannot be
 * written out: the fixture makes them with their commands and the examples get them as variables.
 */

interface ManifestCommand {
  id: string
  examples?: Array<string | {command: string; description?: string}>
}

const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
// Hidden commands too: an example is shown wherever its command's help is.
const commands = Object.values(manifest.commands)

/** Commands whose examples are not run here, each with the reason. Keep it short: every entry is a gap. */
const NOT_RUN: Record<string, string> = {
  // Its examples start a server in the foreground that runs until it is stopped, on port 8181 (the port other test
  // files use too, in parallel); test/commands/serve/* run serve itself and docs/serve.md runs it in the background.
  serve: 'a long-running server in the foreground, on a fixed port',
}

/** The fixture every command's examples start from: the objects and files they name. */
const FIXTURE_SCRIPT = String.raw`set -e
accessctl apply -f - > /dev/null <<'EOF'
apiVersion: accessctl/v1
groups:
  - name: devops
  - name: data-scientists
    mayCreateServices: true
  - name: platform-admins
    admin: true
  - name: old-team
accounts:
  - name: alice@example.com
    groups: [data-scientists]
  - name: bob@example.com
    groups: [devops]
  - name: carol@example.com
  - name: dan@example.com
  - name: seed-user                       # the account id of the seed's token examples
    id: aeb78193c526484fa4f5c14d182ba039
  - name: test                            # the account the seed's grants name with -a test
infrastructures:
  - id: dev-cluster
    stage: Development
    permissions: {data-scientists: [deploy], devops: [deploy]}
  - id: staging
    stage: Development
  - id: prod-eu
    stage: Production
    permissions: {data-scientists: [view], devops: [deploy]}
  - id: old-cluster
    stage: Test
services:
  - id: churn-model
    owner: alice@example.com
    versions: [v1, v2, v3]
    permissions: {devops: [deploy], data-scientists: [read]}
  - id: legacy-model
    owner: dan@example.com
    versions: [v1]
deployments:
  - {service: churn-model, infrastructure: dev-cluster, version: v2}
  - {service: churn-model, infrastructure: prod-eu, version: v2, auth: api-keys}
EOF

# Secrets are never part of a document: their commands make them, and the examples get them as variables.
TOKEN_JSON=$(accessctl tokens create -i alice@example.com --role Admin --ttl 12h --label examples --json)
TOKEN=$(jq -r .token <<< "$TOKEN_JSON")
JTI=$(jq -r .jti <<< "$TOKEN_JSON")
CLIENT_TOKEN=$(accessctl tokens create -t ephemeral -i bob@example.com -f consume -r deployments -e churn-model-on-prod-eu)
KID=$(accessctl tokens keys list --json | jq -r '.items[0].kid')
KEY_JSON=$(accessctl deployment keys create churn-model-on-prod-eu --label billing --json)
KEY=$(jq -r .key <<< "$KEY_JSON")
KEY_ID=$(jq -r .id <<< "$KEY_JSON")
SERVICE_KEY_ID=$(accessctl service keys create churn-model --label crm-backend --json | jq -r .id)
ADMIN_KEY=$(accessctl admin-key create --label break-glass)
CI_KEY_ID=$(accessctl admin-key create --label ci --ttl 30d --json | jq -r .id)

# The files the examples name, in their working folder.
cat > access.yaml <<'EOF'
apiVersion: accessctl/v1
services:
  - id: churn-model
    permissions: {devops: [deploy], data-scientists: [read], everyone: [read]}
  - id: weather
    permissions: {everyone: [read]}
EOF
cat > accounts.yaml <<'EOF'
- heidi@example.com
- name: ivan@example.com
  groups: [devops]
EOF
cat > accounts.jsonl <<'EOF'
{"name": "judy@example.com", "groups": ["devops"]}
{"name": "mallory@example.com"}
EOF
cat > config.yaml <<'EOF'
account: aeb78193c526484fa4f5c14d182ba039
grants: [{resources: [datasets, models], functions: [consume], accounts: [test]}]
EOF
head -c 100000 /dev/urandom > churn-model-1.2.0.zip
printf '%s\n' "$TOKEN" "$CLIENT_TOKEN" > tokens.txt
accessctl store backup backup.db > /dev/null

printf '%s=%s\n' TOKEN "$TOKEN" JTI "$JTI" CLIENT_TOKEN "$CLIENT_TOKEN" KID "$KID" KEY "$KEY" KEY_ID "$KEY_ID" \
  SERVICE_KEY_ID "$SERVICE_KEY_ID" ADMIN_KEY "$ADMIN_KEY" CI_KEY_ID "$CI_KEY_ID"
`

/** The examples of a command as a reader of its help sees them. */
function examplesOf(command: ManifestCommand): string[] {
  return (command.examples ?? []).map((example) =>
    (typeof example === 'string' ? example : example.command)
      .replaceAll('<%= config.bin %>', 'accessctl')
      .replaceAll('<%= command.id %>', command.id.replaceAll(':', ' ')),
  )
}

const work = mkdtempSync(join(tmpdir(), 'accessctl-help-examples-'))
const fixture = join(work, 'fixture')
const home = join(work, 'home')
const bin = programOnPath(work)
let variables: Record<string, string> = {}
afterAll(() => rmSync(work, {recursive: true, force: true}))

/** Runs a script in bash (-u: an example naming a variable nobody set fails; pipefail: so does a failing pipe). */
function runScript(script: string, cwd: string, store: string, extra: Record<string, string> = {}): Promise<ScriptRun> {
  const file = join(cwd, '..', 'examples.sh')
  writeFileSync(file, script)
  const env = exampleShellEnv(bin, home, {ACCESSCTL_STORE: store, ...extra})
  return runBashScript(file, {cwd, env, timeoutMs: 110_000, strict: true})
}

beforeAll(async () => {
  mkdirSync(join(fixture, 'cwd'), {recursive: true})
  mkdirSync(home, {recursive: true})
  const run = await runScript(FIXTURE_SCRIPT, join(fixture, 'cwd'), join(fixture, 'store', 'store.db'))
  if (run.status !== 0) throw new Error(`the fixture failed (exit ${run.status}):\n${run.stdout}\n${run.stderr}`)
  variables = Object.fromEntries(run.stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
  for (const [name, value] of Object.entries(variables)) if (!value || value === 'null') throw new Error(`the fixture made no ${name}`)
}, 120_000)

describe('help examples', () => {
  it('every command has examples, and every command not run is one that exists', () => {
    expect(commands.length).toBeGreaterThan(60)
    for (const command of commands) expect(examplesOf(command), command.id).not.toHaveLength(0)
    const ids = new Set(commands.map((command) => command.id))
    for (const id of Object.keys(NOT_RUN)) expect(ids.has(id), id).toBe(true)
  })

  it('the harness: an example that should fail and does not is reported with its line', async () => {
    const cwd = join(work, 'harness', 'cwd')
    mkdirSync(cwd, {recursive: true})
    const {script} = readmeScript([{firstLine: 1, lines: ['accessctl tokens roles list > /dev/null', 'true   # refused (exit 3)']}], 'example line')
    const run = await runScript(script, cwd, join(fixture, 'store', 'store.db'))
    expect(run.status).toBe(97)
    expect(run.stderr).toContain('example line 2: expected exit 3, got 0')
    const unset = await runScript(readmeScript([{firstLine: 1, lines: ['echo "$NOT_SET"']}], 'example line').script, cwd, join(fixture, 'store', 'store.db'))
    expect(unset.status).not.toBe(0)
    expect(unset.stderr).toContain('NOT_SET: unbound variable')
    // What an example shows (`# => TEXT`) is what it prints, and a document it writes (`> jwks.json`) is read by its parser.
    const shown = await runScript(readmeScript([{firstLine: 1, lines: ['accessctl tokens roles list --json | jq -r .nextOffset   # => 0']}], 'example line').script, cwd, join(fixture, 'store', 'store.db'))
    expect(shown.stderr).toContain('example line 1: stdout line 1 is "null", not "0" as shown')
    const broken = await runScript(readmeScript([{firstLine: 1, lines: ["printf '{' > jwks.json"]}], 'example line').script, cwd, join(fixture, 'store', 'store.db'))
    expect(broken.stderr).toContain('example line 1: jwks.json is not JSON')
  })

  const runnable = commands.filter((command) => !(command.id in NOT_RUN)).map((command) => [command.id.replaceAll(':', ' '), command] as const)

  it.each(runnable)('%s: its examples run against the fixture, each with the exit its comment promises', async (_name, command) => {
    const examples = examplesOf(command)
    const lines = examples.flatMap((example) => example.split('\n'))
    const copy = join(work, command.id.replaceAll(':', '-'))
    cpSync(fixture, copy, {recursive: true})
    try {
      const run = await runScript(readmeScript([{firstLine: 1, lines}], 'example line').script, join(copy, 'cwd'), join(copy, 'store', 'store.db'), variables)
      const failure = run.stderr.match(/example line \d+: .*/)?.[0] ?? (run.status === 0 ? undefined : `exit ${run.status}`)
      if (failure) {
        const numbered = lines.map((line, index) => `${index + 1}: ${line}`).join('\n')
        expect.fail(`${failure}\n${numbered}\n--- stdout\n${run.stdout.slice(-2000)}\n--- stderr\n${run.stderr.slice(-2000)}`)
      }
    } finally {
      rmSync(copy, {recursive: true, force: true})
    }
  }, 120_000)
})
