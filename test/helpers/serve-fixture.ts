import {runCli, runJson} from './cli.js'

/**
 * One store with what every forward-auth case needs, made through the real CLI as the local operator:
 *   churn-on-prod  inherit mode, service churn not public: the service's keys
 *   churn-on-dev   api-keys mode: its own keys only
 *   churn-on-test  disabled
 * alice is in a group that may see the service and the infrastructures, so her tokens stand for a client that may
 * see the deployments; `consumeToken` grants consume on the three, `getToken` only get.
 */
export interface ServeFixture {
  store: string
  aliceId: string
  serviceKey: {id: string; key: string}
  deploymentKey: {id: string; key: string}
  consumeToken: string
  getToken: string
}

export const DEPLOYMENTS = {inherit: 'churn-on-prod', apiKeys: 'churn-on-dev', disabled: 'churn-on-test'} as const

export async function buildServeFixture(store: string): Promise<ServeFixture> {
  const run = async (...args: string[]) => {
    const result = await runCli(args, {store})
    if (result.code !== 0) throw new Error(`${args.join(' ')} exited ${result.code}: ${result.stderr}`)
    return result.stdout.trim()
  }

  const json = async <T>(...args: string[]) => {
    const result = await runJson<T>(args, {store})
    if (result.code !== 0) throw new Error(`${args.join(' ')} exited ${result.code}: ${result.stderr}`)
    return result.json
  }

  await run('groups', 'create', 'clients')
  const aliceId = (await json<{id: string}>('accounts', 'create', '-n', 'alice', '-g', 'clients')).id
  await run('service', 'create', 'churn', '--no-public')
  await run('service', 'versions', 'add', 'churn', '1.0')
  await run('service', 'permissions', 'set', 'churn', '-g', 'clients', '--read')
  for (const [infra, stage] of [['prod', 'Production'], ['dev', 'Development'], ['test', 'Test']]) {
    await run('infra', 'create', infra, '--stage', stage)
    await run('infra', 'permissions', 'set', infra, '-g', 'clients', '--view')
    await run('deployment', 'create', '--service', 'churn', '--infra', infra)
  }

  await run('deployment', 'auth', 'set', DEPLOYMENTS.apiKeys, '--mode', 'api-keys')
  await run('deployment', 'disable', DEPLOYMENTS.disabled)
  const serviceKey = await json<{id: string; key: string}>('service', 'keys', 'create', 'churn', '--label', 'gateway')
  const deploymentKey = await json<{id: string; key: string}>('deployment', 'keys', 'create', DEPLOYMENTS.apiKeys, '--label', 'billing')
  const entities = Object.values(DEPLOYMENTS).join(',')
  const consumeToken = await run('tokens', 'create', '-i', 'alice', '-f', 'consume', '-r', 'deployments', '-e', entities, '--label', 'client')
  const getToken = await run('tokens', 'create', '-i', 'alice', '-f', 'get', '-r', 'deployments', '-e', entities)
  return {
    store,
    aliceId,
    serviceKey: {id: serviceKey.id, key: serviceKey.key},
    deploymentKey: {id: deploymentKey.id, key: deploymentKey.key},
    consumeToken,
    getToken,
  }
}
