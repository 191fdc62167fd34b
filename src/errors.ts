/**
 * The error vocabulary of accessctl. Every expected failure is one of these classes; the base command maps them to
 * the exit codes of the spec in one place, so no command chooses an exit code by itself.
 */
import {redactSecrets} from './core/redact.js'

export type ErrorCode =
  | 'conflict'
  | 'denied'
  | 'internal'
  | 'invalid_input'
  | 'not_found'
  | 'store_unusable'

export abstract class AccessctlError extends Error {
  abstract readonly code: ErrorCode
  abstract readonly exitCode: number
  /** A line that tells the user what to do next, shown under the message. */
  readonly hint?: string

  /**
   * Messages quote what was typed (and oclif's parse errors, made into UsageErrors, quote whole arguments): a key
   * or a token in them is redacted here, once for every way an error is shown or audited.
   */
  constructor(message: string, options: {cause?: unknown; hint?: string} = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.hint = options.hint === undefined ? undefined : redactSecrets(options.hint)
  }
}

/** Exit 2: bad flags, names, YAML or any other input the user can fix. */
export class UsageError extends AccessctlError {
  readonly code = 'invalid_input'
  readonly exitCode = 2
}

/**
 * Exit 3: permission denied, an invalid/expired/revoked credential, a locked store. `action` and `target` name the
 * attempt for the audit log, which the base command writes in its own transaction after the change rolled back.
 */
export class DeniedError extends AccessctlError {
  readonly code = 'denied'
  readonly exitCode = 3
  readonly action?: string
  readonly target?: string
  /** Who attempted it, when no caller could be resolved (an invalid credential, a locked store). */
  readonly actor?: string

  constructor(
    message: string,
    options: {cause?: unknown; hint?: string; action?: string; target?: string; actor?: string} = {},
  ) {
    super(message, options)
    this.action = options.action
    this.target = options.target
    this.actor = options.actor
  }
}

/** The kinds of object whose missing id or name is answered with the nearest ones the caller may see. */
export type NamedKind = 'account' | 'deployment' | 'group' | 'infrastructure' | 'service'

/** What was looked up and not found, for "did you mean" (src/domain/name-suggestions.ts). */
export interface Lookup {
  kind: NamedKind
  typed: string
}

/** Exit 4: the object does not exist, or the caller may not see it. */
export class NotFoundError extends AccessctlError {
  readonly code = 'not_found'
  readonly exitCode = 4
  readonly lookup?: Lookup

  constructor(message: string, options: {cause?: unknown; hint?: string; lookup?: Lookup} = {}) {
    super(message, options)
    this.lookup = options.lookup
  }
}

/**
 * Exit 4 for an object that exists but that the caller may not see: to the caller it does not exist, so it gets the
 * very answer a missing object gets (`notFound`'s message and hint), and nothing tells the two apart. The refusal
 * is still audited, as the denied attempt it is (`denial`).
 */
export class UnseenError extends NotFoundError {
  constructor(
    notFound: NotFoundError,
    readonly denial: DeniedError,
  ) {
    super(notFound.message, {hint: notFound.hint, lookup: notFound.lookup})
  }
}

/** Exit 5: a duplicate, or an object that still has dependents. */
export class ConflictError extends AccessctlError {
  readonly code = 'conflict'
  readonly exitCode = 5
}

/** Exit 6: the store file is corrupt, from a newer schema, not SQLite, or not writable. */
export class StoreError extends AccessctlError {
  readonly code = 'store_unusable'
  readonly exitCode = 6
}

export const EXIT_CODES = {ok: 0, internal: 1, usage: 2, denied: 3, notFound: 4, conflict: 5, store: 6} as const

/**
 * Exit 3 as the answer of a question about a credential (`tokens verify`, `tokens check`): the token is invalid or
 * does not allow the request. It is a verdict, not a denied attempt by the caller, so it is not audited, and with
 * --json its `document` (the same shape as the success result) is printed instead of the error object; a null
 * document prints nothing, for commands that already streamed their results; without a document (`admin-key
 * verify`, whose refusal reads as an error) the error object is printed as for any other error.
 */
export class VerdictError extends AccessctlError {
  readonly code = 'denied'
  readonly exitCode = 3
  readonly document: unknown

  constructor(message: string, document?: unknown) {
    super(message)
    this.document = document
  }
}
