import type {ParsedDocument} from '../../core/declarative/parse.js'
import {AccessctlError, UsageError} from '../../errors.js'
import {Store} from '../../store/store.js'
import {applyDocument} from '../declarative/apply.js'
import type {Caller, Context} from '../context.js'

/**
 * `accessctl test --state DOC`: the state that `apply -f DOC` would make of an empty store, built by that very apply
 * (as the operator, on a store in memory) so a pull request can test its document before anything is applied. No
 * file is opened or written; the store is gone when `work` returns.
 */
export function withAppliedState<T>(parsed: ParsedDocument, operator: Caller, work: (ctx: Context) => T): T {
  const store = Store.inMemory()
  try {
    const ctx: Context = {store, caller: operator}
    try {
      applyDocument(ctx, parsed, {prune: false, dryRun: false})
    } catch (error) {
      // Whatever apply would refuse (a version nobody declared, a deployment id taken twice) is a fault of the
      // document given to --state, which the user fixes.
      if (error instanceof AccessctlError) throw new UsageError(`--state: the document does not apply to an empty store: ${error.message}`)
      throw error
    }

    return work(ctx)
  } finally {
    store.close()
  }
}
