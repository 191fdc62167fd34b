// One of the concurrent writers of test/store/concurrency.test.ts: opens the store like the CLI does and creates
// COUNT account tokens one by one, each in its own BEGIN IMMEDIATE transaction, then reports what happened.
import {createToken} from '../../dist/lib/domain/token-mint.js'
import {Store} from '../../dist/lib/store/store.js'

const [storePath, count, account] = process.argv.slice(2)
const errors = []
let created = 0
const store = Store.open(storePath)
const ctx = {store, caller: {kind: 'operator', user: `worker-${process.pid}`}}
for (let i = 0; i < Number(count); i++) {
  try {
    await createToken(ctx, {type: 'account', account, role: 'AuditDeveloper', label: `w${process.pid}-${i}`})
    created++
  } catch (error) {
    errors.push(String(error?.message ?? error))
  }
}

store.close()
process.stdout.write(JSON.stringify({created, errors}))
