import {execFileSync, spawnSync} from 'node:child_process'
import {copyFileSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROJECT_ROOT, runJson, type TempDir, tempDir} from './helpers/cli.js'
import {buildServeFixture, DEPLOYMENTS, type ServeFixture} from './helpers/serve-fixture.js'

/**
 * The library as a user gets it: `npm pack`, the tarball installed in a folder outside the project, then
 * `import ... from 'accessctl'` from there, in JavaScript and in strict TypeScript against the generated .d.ts.
 * The install prefers npm's cache (the registry is asked only for what the cache lacks, such as package metadata on
 * a fresh machine) and runs no install scripts, since better-sqlite3 would compile for minutes: the project's own
 * build of its addon is copied in instead, and accessctl's postinstall is run by hand.
 */

let dir: TempDir
let consumer: string
let fixture: ServeFixture
const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, npm_config_loglevel: 'error'}})
const projectPackage = (name: string) => JSON.parse(readFileSync(join(PROJECT_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {version: string}

beforeAll(async () => {
  dir = tempDir('accessctl-package-')
  consumer = join(dir.path, 'consumer')
  mkdirSync(consumer)
  // dist/lib is fresh: the global set-up compiled it, so pack skips `prepare`.
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir.path], PROJECT_ROOT)) as Array<{filename: string}>
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({name: 'consumer', private: true, type: 'module'}))
  const typesNode = `@types/node@${projectPackage('@types/node').version}`
  npm(['install', '--no-save', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', join(dir.path, packed.filename), typesNode], consumer)
  const installed = join(consumer, 'node_modules', 'better-sqlite3')
  expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(projectPackage('better-sqlite3').version)
  mkdirSync(join(installed, 'build', 'Release'), {recursive: true})
  copyFileSync(join(PROJECT_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), join(installed, 'build', 'Release', 'better_sqlite3.node'))
  fixture = await buildServeFixture(join(dir.path, 'store.db'))
}, 300_000)

afterAll(() => dir?.cleanup())

const CONSUMER_JS = `
import {DecisionPoint, Store, StoreError, authorizeClient, checkToken, verifyToken} from 'accessctl'

const {STORE, KEY, TOKEN} = process.env
const decisions = DecisionPoint.open(STORE)
const request = {function: 'consume', resource: 'deployments', account: null, entity: '${DEPLOYMENTS.inherit}'}
const started = process.hrtime.bigint()
const rounds = 2000
for (let i = 0; i < rounds; i++) decisions.authorize('${DEPLOYMENTS.inherit}', {kind: 'key', key: KEY})
const microsPerAuthorize = Number(process.hrtime.bigint() - started) / 1000 / rounds
const store = Store.openReadOnly(STORE)
let missing
try {
  DecisionPoint.open(STORE + '.missing')
} catch (error) {
  missing = error instanceof StoreError
}

console.log(JSON.stringify({
  admitted: decisions.authorize('${DEPLOYMENTS.inherit}', {kind: 'key', key: KEY}),
  anonymous: decisions.authorize('${DEPLOYMENTS.inherit}', {kind: 'none'}),
  verify: decisions.verify(TOKEN),
  check: decisions.check(TOKEN, request),
  jwks: decisions.jwks(),
  lowLevel: store.read(() => ({
    verify: verifyToken(store.db, TOKEN).valid,
    check: checkToken(store, TOKEN, request).check.allowed,
    authorize: authorizeClient(store.db, '${DEPLOYMENTS.inherit}', {kind: 'bearer', token: TOKEN}).admitted,
  })),
  missing,
  microsPerAuthorize,
}))
`

const CONSUMER_TS = `
import {type Authorization, type ClientDecision, DecisionPoint, type TokenCheck, type VerificationJson} from 'accessctl'

const decisions: DecisionPoint = DecisionPoint.open('store.db')
const decision: ClientDecision = decisions.authorize('churn-on-prod', {kind: 'bearer', token: 'T'})
const authorization: Authorization = decision.authorization
const admitted: boolean = authorization.admitted
const verdict: VerificationJson = decisions.verify('T')
const check: TokenCheck = decisions.check('T', {function: 'get', resource: 'models', account: null, entity: null})
// @ts-expect-error: a credential is none, key or bearer
decisions.authorize('churn-on-prod', {kind: 'password', password: 'x'})
// @ts-expect-error: verify takes the token as a string
decisions.verify(42)
export const used = [admitted, verdict.valid, check.allowed, decision.refusal]
`

describe('the npm package as a library', () => {
  it('imports from the installed tarball and gives what the CLI gives', async () => {
    writeFileSync(join(consumer, 'consumer.mjs'), CONSUMER_JS)
    const result = spawnSync(process.execPath, ['consumer.mjs'], {
      cwd: consumer,
      encoding: 'utf8',
      env: {...process.env, STORE: fixture.store, KEY: fixture.serviceKey.key, TOKEN: fixture.consumeToken},
    })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    const out = JSON.parse(result.stdout)
    const cli = (args: string[]) => runJson(args, {store: fixture.store}).then((r) => r.json)
    expect(out.admitted).toEqual({
      authorization: await cli(['deployment', 'authorize', DEPLOYMENTS.inherit, '--key', fixture.serviceKey.key]),
      refusal: null,
      tokenAccountId: null,
      invalidToken: false,
    })
    expect(out.anonymous).toMatchObject({authorization: await cli(['deployment', 'authorize', DEPLOYMENTS.inherit]), refusal: 'unauthenticated'})
    expect(out.verify).toEqual(await cli(['tokens', 'verify', fixture.consumeToken]))
    expect(out.check).toEqual(await cli(['tokens', 'check', fixture.consumeToken, '-f', 'consume', '-r', 'deployments', '-e', DEPLOYMENTS.inherit]))
    expect(out.jwks).toEqual(await cli(['tokens', 'jwks']))
    expect(out.lowLevel).toEqual({verify: true, check: true, authorize: true})
    expect(out.missing).toBe(true)
    expect(out.microsPerAuthorize).toBeGreaterThan(0)
  })

  it("runs docs/library.md's example", () => {
    const page = readFileSync(join(PROJECT_ROOT, 'docs', 'library.md'), 'utf8')
    const example = /```js\n([\s\S]*?)```/.exec(page)?.[1]
    expect(example).toBeDefined()
    writeFileSync(join(consumer, 'decide.mjs'), example!)
    const result = spawnSync(process.execPath, ['decide.mjs', fixture.serviceKey.key, fixture.consumeToken], {
      cwd: consumer,
      encoding: 'utf8',
      env: {...process.env, ACCESSCTL_STORE: fixture.store},
    })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('admitted: true (service key')
    expect(result.stdout).toContain('refusal: null')
    expect(result.stdout).toContain('valid: true')
    expect(result.stdout).toContain('allowed: true')
    expect(result.stdout.trim().split('\n').at(-1)).toBe('token')
  })

  it('has types: strict TypeScript compiles against the generated .d.ts, and misuse does not', () => {
    writeFileSync(join(consumer, 'consumer.ts'), CONSUMER_TS)
    const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', 'false']
    const result = spawnSync(process.execPath, [tsc, ...flags, 'consumer.ts'], {cwd: consumer, encoding: 'utf8'})
    expect(result.stdout + result.stderr).toBe('')
    expect(result.status).toBe(0)
  })

  it("ships every file its package.json names: bin, main, types and the postinstall script", () => {
    const installed = join(consumer, 'node_modules', 'accessctl')
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
    for (const file of [pkg.bin.accessctl, pkg.main, pkg.types, pkg.exports['.'].default, pkg.exports['.'].types]) {
      expect(() => readFileSync(join(installed, file))).not.toThrow()
    }

    const postinstall = spawnSync('npm', ['run', '--silent', 'postinstall'], {cwd: installed, encoding: 'utf8'})
    expect(postinstall.status).toBe(0)
    const version = spawnSync(process.execPath, [join(installed, pkg.bin.accessctl), '--version'], {cwd: consumer, encoding: 'utf8'})
    expect(version.stdout).toMatch(/^accessctl\/0\.\d+\.\d+ /)
  })
})
