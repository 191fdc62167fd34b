import {expect} from 'vitest'

import type {ClientCredential} from '../../src/domain/query-auth.js'
import {runCli} from './cli.js'
import {runInProcess} from './in-process.js'
import {decodePart} from './tokens.js'

/**
 * Every input of a forward-auth decision, changed between two questions: what DecisionPoint and serve remember of
 * the store (src/store/remembered-reads.ts) must never answer a stale yes. Each case makes its own objects, is
 * asked (twice, so the second answer comes from what was remembered), then changes the store with the real CLI,
 * as an operator would, and the very next answer must refuse; where the change can be undone, the answer after
 * undoing it must admit again. The same table runs against DecisionPoint (test/domain/decision-point.test.ts) and
 * against serve over HTTP (test/commands/serve/freshness.test.ts).
 */

/** What a gateway asks: may this credential query this deployment? */
export interface Question {
  deployment: string
  credential: ClientCredential
}

/** How the answer after the change refuses: 403, 401, or 404 (no such deployment). */
export type Refusal = 'forbidden' | 'not_found' | 'unauthenticated'

/** A case's question, the number its objects are named by, and what its change needs to know (a key's id). */
export interface Arranged extends Question {
  n: number
  ref?: string
}

export interface DecisionInputCase {
  name: string
  /** Makes the objects of case number `n` (svcN, clientN, readersN, adminsN) and returns a question that is admitted. */
  arrange(cli: StoreCli, n: number): Promise<Omit<Arranged, 'n'>>
  change(cli: StoreCli, arranged: Arranged): Promise<unknown>
  refusal: Refusal
  /** Undoes the change: admitted again from the next question. */
  restore?(cli: StoreCli, arranged: Arranged): Promise<unknown>
}

/** The CLI on one store: a command's stdout (it must exit 0), its --json document, or a command run as a token. */
export interface StoreCli {
  run(...args: string[]): Promise<string>
  json<T>(...args: string[]): Promise<T>
  as(token: string, ...args: string[]): Promise<string>
}

export function storeCli(store: string): StoreCli {
  const checked = (args: string[], result: {code: number; stdout: string; stderr: string}) => {
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    return result.stdout.trim()
  }

  return {
    // In process, so that the table's 100-odd commands take seconds rather than a minute of Node start-ups.
    run: async (...args) => checked(args, await runInProcess(args, {store})),
    json: async <T>(...args: string[]) => JSON.parse(checked(args, await runInProcess(args, {store, json: true}))) as T,
    as: async (token, ...args) => checked(args, await runCli(args, {store, env: {ACCESSCTL_TOKEN: token}})),
  }
}

/** The infrastructure every case deploys on; made once per store by prepareDecisionInputs. */
const INFRA = 'prod'

export async function prepareDecisionInputs(cli: StoreCli): Promise<void> {
  await cli.run('infra', 'create', INFRA, '--stage', 'Production')
}

/** A service of its own for case `n`, deployed on INFRA; returns the deployment's id. */
async function deployment(cli: StoreCli, n: number, {publicService = false} = {}): Promise<string> {
  const service = `svc${n}`
  await cli.run('service', 'create', service, publicService ? '--public' : '--no-public')
  await cli.run('service', 'versions', 'add', service, '1.0')
  await cli.run('deployment', 'create', '--service', service, '--infra', INFRA)
  return `${service}-on-${INFRA}`
}

/**
 * A client account of its own for case `n`, in a group of its own that may see the deployment (read on its service,
 * view on the infrastructure), with a token that grants consume on it.
 */
async function tokenClient(cli: StoreCli, n: number, deploymentId: string): Promise<{account: string; group: string; token: string}> {
  const group = `readers${n}`
  await cli.run('groups', 'create', group)
  await cli.run('service', 'permissions', 'set', `svc${n}`, '-g', group, '--read')
  await cli.run('infra', 'permissions', 'set', INFRA, '-g', group, '--view')
  const account = `client${n}`
  await cli.run('accounts', 'create', '-n', account, '-g', group)
  const token = await cli.run('tokens', 'create', '-i', account, '-f', 'consume', '-r', 'deployments', '-e', deploymentId)
  return {account, group, token}
}

const serviceKey = async (cli: StoreCli, n: number) => (await cli.json<{id: string; key: string}>('service', 'keys', 'create', `svc${n}`)).key
const bearer = (token: string): ClientCredential => ({kind: 'bearer', token})
const key = (value: string): ClientCredential => ({kind: 'key', key: value})
const none: ClientCredential = {kind: 'none'}
const jtiOf = (token: string) => String(decodePart(token, 1).jti)
const kidOf = (token: string) => String(decodePart(token, 0).kid)
const tokenOf = ({credential}: Question) => (credential as {token: string}).token

export const DECISION_INPUT_CASES: DecisionInputCase[] = [
  {
    name: 'the deployment is disabled',
    arrange: async (cli, n) => ({deployment: await deployment(cli, n), credential: key(await serviceKey(cli, n))}),
    change: (cli, {deployment: id}) => cli.run('deployment', 'disable', id),
    refusal: 'forbidden',
    restore: (cli, {deployment: id}) => cli.run('deployment', 'enable', id),
  },
  {
    name: 'the deployment is deleted',
    arrange: async (cli, n) => ({deployment: await deployment(cli, n), credential: key(await serviceKey(cli, n))}),
    change: (cli, {deployment: id}) => cli.run('deployment', 'delete', id, '--yes'),
    refusal: 'not_found',
  },
  {
    name: "the auth mode goes from inherit to api-keys (the service's key no longer counts)",
    arrange: async (cli, n) => ({deployment: await deployment(cli, n), credential: key(await serviceKey(cli, n))}),
    change: (cli, {deployment: id}) => cli.run('deployment', 'auth', 'set', id, '--mode', 'api-keys'),
    refusal: 'unauthenticated',
    restore: (cli, {deployment: id}) => cli.run('deployment', 'auth', 'set', id, '--mode', 'inherit'),
  },
  {
    name: 'the auth mode goes from public to inherit (no credential no longer counts)',
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      await cli.run('deployment', 'auth', 'set', id, '--mode', 'public')
      return {deployment: id, credential: none}
    },
    change: (cli, {deployment: id}) => cli.run('deployment', 'auth', 'set', id, '--mode', 'inherit'),
    refusal: 'unauthenticated',
    restore: (cli, {deployment: id}) => cli.run('deployment', 'auth', 'set', id, '--mode', 'public'),
  },
  {
    name: "the auth mode goes from api-keys to inherit (the deployment's key no longer counts)",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      await cli.run('deployment', 'auth', 'set', id, '--mode', 'api-keys')
      return {deployment: id, credential: key((await cli.json<{key: string}>('deployment', 'keys', 'create', id)).key)}
    },
    change: (cli, {deployment: id}) => cli.run('deployment', 'auth', 'set', id, '--mode', 'inherit'),
    refusal: 'unauthenticated',
    restore: (cli, {deployment: id}) => cli.run('deployment', 'auth', 'set', id, '--mode', 'api-keys'),
  },
  {
    name: 'the service stops being public',
    arrange: async (cli, n) => ({deployment: await deployment(cli, n, {publicService: true}), credential: none}),
    change: (cli, {n}) => cli.run('service', 'update', `svc${n}`, '--no-public'),
    refusal: 'unauthenticated',
    restore: (cli, {n}) => cli.run('service', 'update', `svc${n}`, '--public'),
  },
  {
    name: "the service's key is deleted",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      const created = await cli.json<{id: string; key: string}>('service', 'keys', 'create', `svc${n}`)
      return {deployment: id, credential: key(created.key), ref: created.id}
    },
    change: (cli, {n, ref}) => cli.run('service', 'keys', 'delete', `svc${n}`, ref!, '--yes'),
    refusal: 'unauthenticated',
  },
  {
    name: "the deployment's key is deleted",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      await cli.run('deployment', 'auth', 'set', id, '--mode', 'api-keys')
      const created = await cli.json<{id: string; key: string}>('deployment', 'keys', 'create', id)
      return {deployment: id, credential: key(created.key), ref: created.id}
    },
    change: (cli, {deployment: id, ref}) => cli.run('deployment', 'keys', 'delete', id, ref!, '--yes'),
    refusal: 'unauthenticated',
  },
  {
    name: 'the token is revoked',
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      return {deployment: id, credential: bearer((await tokenClient(cli, n, id)).token)}
    },
    change: (cli, arranged) => cli.run('tokens', 'revoke', jtiOf(tokenOf(arranged)), '--yes'),
    refusal: 'unauthenticated',
  },
  {
    name: "all of the account's tokens are revoked (its token generation moves on)",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      return {deployment: id, credential: bearer((await tokenClient(cli, n, id)).token)}
    },
    change: (cli, {n}) => cli.run('tokens', 'revoke', '--all', '-i', `client${n}`, '--yes'),
    refusal: 'unauthenticated',
  },
  {
    name: "the token's account is deleted",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      return {deployment: id, credential: bearer((await tokenClient(cli, n, id)).token)}
    },
    change: (cli, {n}) => cli.run('accounts', 'delete', '-i', `client${n}`, '--yes'),
    refusal: 'unauthenticated',
  },
  {
    name: 'the token that minted the token is revoked (its ancestry)',
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      await cli.run('groups', 'create', `admins${n}`, '--admin')
      await cli.run('accounts', 'create', '-n', `client${n}`, '-g', `admins${n}`)
      const parent = await cli.run('tokens', 'create', '-i', `client${n}`, '--role', 'Admin', '--ttl', '2d')
      const child = await cli.as(parent, 'tokens', 'create', '-t', 'ephemeral', '-i', `client${n}`, '-f', 'consume', '-r', 'deployments', '-e', id, '--ttl', '1h')
      return {deployment: id, credential: bearer(child), ref: jtiOf(parent)}
    },
    change: (cli, {ref}) => cli.run('tokens', 'revoke', ref!, '--yes'),
    refusal: 'unauthenticated',
  },
  {
    name: "the token's account leaves the group that let it see the deployment",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      return {deployment: id, credential: bearer((await tokenClient(cli, n, id)).token)}
    },
    change: (cli, {n}) => cli.run('groups', 'remove-member', `readers${n}`, '-i', `client${n}`),
    refusal: 'forbidden',
    restore: (cli, {n}) => cli.run('groups', 'add-member', `readers${n}`, '-i', `client${n}`),
  },
  {
    name: "the group loses read on the deployment's service",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      return {deployment: id, credential: bearer((await tokenClient(cli, n, id)).token)}
    },
    change: (cli, {n}) => cli.run('service', 'permissions', 'set', `svc${n}`, '-g', `readers${n}`, '--no-read'),
    refusal: 'forbidden',
    restore: (cli, {n}) => cli.run('service', 'permissions', 'set', `svc${n}`, '-g', `readers${n}`, '--read'),
  },
  {
    name: "the group loses view on the deployment's infrastructure",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      return {deployment: id, credential: bearer((await tokenClient(cli, n, id)).token)}
    },
    change: (cli, {n}) => cli.run('infra', 'permissions', 'set', INFRA, '-g', `readers${n}`, '--no-view'),
    refusal: 'forbidden',
    restore: (cli, {n}) => cli.run('infra', 'permissions', 'set', INFRA, '-g', `readers${n}`, '--view'),
  },
  {
    name: "the group that made the token's account a global admin (seeing every deployment) loses admin",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      await cli.run('groups', 'create', `admins${n}`, '--admin')
      await cli.run('accounts', 'create', '-n', `client${n}`, '-g', `admins${n}`)
      return {deployment: id, credential: bearer(await cli.run('tokens', 'create', '-i', `client${n}`, '-f', 'consume', '-r', 'deployments', '-e', id))}
    },
    change: (cli, {n}) => cli.run('groups', 'update', `admins${n}`, '--no-admin'),
    refusal: 'forbidden',
    restore: (cli, {n}) => cli.run('groups', 'update', `admins${n}`, '--admin'),
  },
  {
    // Last: retiring the signing key ends every token it signed, those of the cases above too.
    name: "the token's signing key is retired",
    async arrange(cli, n) {
      const id = await deployment(cli, n)
      return {deployment: id, credential: bearer((await tokenClient(cli, n, id)).token)}
    },
    async change(cli, arranged) {
      await cli.run('tokens', 'keys', 'rotate')
      await cli.run('tokens', 'keys', 'retire', '--yes', '--', kidOf(tokenOf(arranged)))
    },
    refusal: 'unauthenticated',
  },
]

/** What a question was answered: admitted, or how it was refused. */
export type Outcome = 'admitted' | Refusal

/**
 * Runs one case against `ask`: admitted twice (the second answer from what was remembered), refused on the very
 * next question after the change, and admitted again on the very next one after the change is undone.
 */
export async function checkDecisionInput(item: DecisionInputCase, n: number, cli: StoreCli, ask: (question: Question) => Promise<Outcome>): Promise<void> {
  const arranged: Arranged = {...(await item.arrange(cli, n)), n}
  expect([await ask(arranged), await ask(arranged)], 'before the change').toEqual(['admitted', 'admitted'])
  await item.change(cli, arranged)
  expect(await ask(arranged), 'the first question after the change').toBe(item.refusal)
  if (!item.restore) return
  await item.restore(cli, arranged)
  expect(await ask(arranged), 'the first question after undoing it').toBe('admitted')
}
