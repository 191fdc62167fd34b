import {relativeTime} from '../core/relative-time.js'

/**
 * How times and accounts read in human output. On a terminal: relative times ("2 hours ago") and an account's
 * name next to its id; piped: RFC 3339 times and bare ids, stable for scripts (and --json never comes here).
 */
export interface Display {
  /** An RFC 3339 time; null reads as `none`. */
  time(iso: string | null, none?: string): string
  /** An account id, with its name on a terminal; null reads as `-`. */
  account(id: string | null): string
  /** An actor as the audit log writes it: operator:USER, admin-key:ID or account:ID/token:JTI. */
  actor(actor: string): string
}

/** Looks an account's name up by id (undefined when there is none, e.g. deleted). */
export type AccountNameLookup = (id: string) => string | undefined

const ACCOUNT_ACTOR = /^account:([^/]+)(\/.*)?$/

export function displayFor(terminal: boolean, nameOf: AccountNameLookup = () => undefined, nowMs = Date.now()): Display {
  if (!terminal) {
    return {
      time: (iso, none = '-') => iso ?? none,
      account: (id) => id ?? '-',
      actor: (actor) => actor,
    }
  }

  const names = new Map<string, string | undefined>()
  const named = (id: string) => {
    if (!names.has(id)) names.set(id, nameOf(id))
    const name = names.get(id)
    return name === undefined ? id : `${name} (${id})`
  }

  return {
    time: (iso, none = '-') => (iso === null ? none : relativeTime(iso, nowMs)),
    account: (id) => (id === null ? '-' : named(id)),
    actor(actor) {
      const parts = ACCOUNT_ACTOR.exec(actor)
      return parts ? `account:${named(parts[1])}${parts[2] ?? ''}` : actor
    },
  }
}
