import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {type TempDir, tempDir} from '../../helpers/cli.js'
import {
  checkDecisionInput,
  DECISION_INPUT_CASES,
  type Outcome,
  prepareDecisionInputs,
  type Question,
  type StoreCli,
  storeCli,
} from '../../helpers/decision-inputs.js'
import {type RunningServe, startServe} from '../../helpers/serve.js'

/**
 * serve remembers what its decisions read of the store while nothing is committed (src/store/remembered-reads.ts):
 * every input of a forward-auth decision, changed with the CLI between two requests, counts from the very next
 * request, and none is answered with a stale yes (test/helpers/decision-inputs.ts has the table).
 */

let dir: TempDir
let cli: StoreCli
let server: RunningServe

beforeAll(async () => {
  dir = tempDir()
  cli = storeCli(dir.storePath)
  await prepareDecisionInputs(cli)
  server = await startServe(['--quiet'], {store: dir.storePath})
}, 120_000)

afterAll(async () => {
  expect((await server.stop()).code).toBe(0)
  dir.cleanup()
})

const OUTCOMES: Record<number, Outcome> = {200: 'admitted', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found'}

async function ask({deployment, credential}: Question): Promise<Outcome> {
  const headers: Record<string, string> =
    credential.kind === 'key' ? {'x-api-key': credential.key} : credential.kind === 'bearer' ? {authorization: `Bearer ${credential.token}`} : {}
  const response = await fetch(`${server.url}/v1/deployments/${deployment}/authorize`, {headers})
  await response.arrayBuffer()
  expect(OUTCOMES[response.status], `status ${response.status}`).toBeDefined()
  return OUTCOMES[response.status]
}

describe('serve over a store that changes: every decision input counts from the next request', () => {
  it.each(DECISION_INPUT_CASES.map((item, index) => [item.name, item, index + 1] as const))('%s', async (_name, item, n) => {
    await checkDecisionInput(item, n, cli, ask)
  })
})
