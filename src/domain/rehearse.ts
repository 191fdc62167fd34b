import type {Store} from '../store/store.js'

/** Thrown to end a rehearsal: what makes its transaction roll back. */
class RehearsalOver extends Error {}

/**
 * Runs a change inside a write transaction that is always rolled back: every check of the real change runs (a
 * refusal, a missing privilege, an object not found is thrown as the change would throw it) and nothing is kept,
 * not even its audit row. Destructive commands rehearse before they ask for confirmation, so that what would be
 * refused is refused before the question, with the same error (the rules stay in one place: the change itself).
 */
export function rehearse(store: Store, change: () => unknown): void {
  try {
    store.write(() => {
      change()
      throw new RehearsalOver('rolled back')
    })
  } catch (error) {
    if (!(error instanceof RehearsalOver)) throw error
  }
}
