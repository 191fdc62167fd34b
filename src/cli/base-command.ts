import {Command, Flags, Interfaces} from '@oclif/core'
import {userInfo} from 'node:os'

import {recordAudit} from '../domain/audit.js'
import {resolveCaller} from '../domain/callers.js'
import {actorOf, type Caller, type Context} from '../domain/context.js'
import {AccessctlError, DeniedError, StoreError, UsageError, VerdictError} from '../errors.js'
import {asStoreError, defaultStorePath, Store} from '../store/store.js'
import {chalkFor} from './output.js'
import {confirmDestructive} from './prompts.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof AccessctlCommand)['baseFlags'] & T['flags']>

/** The JSON shape of every error: `{"error": {"code", "message", "exitCode"}}`. */
export interface ErrorJson {
  error: {code: string; message: string; exitCode: number; hint?: string}
}

/**
 * What every accessctl command shares: the global flags, opening the store, resolving the caller, confirmation
 * prompts, and turning every failure into one message and the spec's exit code. Subclasses parse, call the
 * domain, render, and return their result, which is also their `--json` document.
 */
export abstract class AccessctlCommand extends Command {
  static override enableJsonFlag = true

  static override baseFlags = {
    store: Flags.string({
      description: 'Path of the SQLite store. Defaults to $XDG_DATA_HOME/accessctl/store.db (~/.local/share/...).',
      env: 'ACCESSCTL_STORE',
      helpGroup: 'GLOBAL',
    }),
    token: Flags.string({
      description: "Act as this token's account, within its grants. Prefer the environment variable: flags show in ps.",
      env: 'ACCESSCTL_TOKEN',
      helpGroup: 'GLOBAL',
    }),
    'admin-key': Flags.string({
      description: 'Act with this administrative key (full rights). Prefer the environment variable: flags show in ps.',
      env: 'ACCESSCTL_ADMIN_KEY',
      helpGroup: 'GLOBAL',
    }),
  }

  /**
   * Commands that API servers call to check a credential (verify, authorize) work without one, even on a locked
   * store: they change nothing and reveal nothing but the answer.
   */
  static credentialFree = false

  private openedStore?: Store
  private resolvedCaller?: Caller

  /** Opens the store named by --store / ACCESSCTL_STORE (or the default) and resolves who is calling. */
  protected async context(flags: {store?: string; 'admin-key'?: string; token?: string}): Promise<Context> {
    this.openedStore ??= Store.open(flags.store ?? defaultStorePath())
    if (!this.resolvedCaller) {
      const operator = localOperator()
      this.resolvedCaller = (this.constructor as typeof AccessctlCommand).credentialFree
        ? operator
        : await resolveCaller(this.openedStore, {adminKey: flags['admin-key'], token: flags.token}, operator)
    }

    return {store: this.openedStore, caller: this.resolvedCaller}
  }

  /** A denied attempt is audited in its own transaction, after the attempted change (if any) rolled back. */
  private auditDenial(error: DeniedError): void {
    if (!this.openedStore) return
    const store = this.openedStore
    const actor = this.resolvedCaller ? actorOf(this.resolvedCaller) : error.actor
    if (!actor) return
    try {
      store.write(() =>
        recordAudit(store.db, {
          actor,
          action: error.action ?? this.id?.replaceAll(' ', '.').replaceAll(':', '.') ?? 'unknown',
          target: error.target ?? null,
          outcome: 'denied',
          detail: error.message,
        }),
      )
    } catch {
      // The denial itself is what the user must see; a store that cannot take the audit row is reported by the next write.
    }
  }

  protected async confirm(question: string, yes: boolean): Promise<void> {
    await confirmDestructive(question, yes)
  }

  /** Human output: printed unless --json is on. */
  protected say(text: string | undefined): void {
    if (text !== undefined && text !== '') this.log(text)
  }

  protected warnUser(text: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${chalkFor(process.stderr).yellow('Warning:')} ${text}\n`)
  }

  override async catch(thrown: Error & {exitCode?: number}): Promise<void> {
    if (isOclifExit(thrown)) throw thrown
    const error = toAccessctlError(thrown)
    if (error instanceof DeniedError) this.auditDenial(error)
    process.exitCode = error.exitCode
    if (this.jsonEnabled() && error instanceof VerdictError) {
      if (error.document !== null) this.logJson(error.document)
    } else if (this.jsonEnabled()) {
      const body: ErrorJson = {error: {code: error.code, message: error.message, exitCode: error.exitCode}}
      if (error.hint) body.error.hint = error.hint
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`)
    } else {
      const color = chalkFor(process.stderr)
      process.stderr.write(`${color.red('Error:')} ${error.message}\n`)
      if (error.hint) process.stderr.write(`${color.dim(error.hint)}\n`)
    }

    if (debugEnabled()) process.stderr.write(`${(thrown.stack ?? String(thrown))}\n`)
  }

  override async finally(error: Error | undefined): Promise<void> {
    this.openedStore?.close()
    await super.finally(error)
  }

  /** Result objects are printed as plain JSON: stable, uncoloured, one document. */
  override logJson(json: unknown): void {
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  }
}

class InternalError extends AccessctlError {
  readonly code = 'internal'
  readonly exitCode = 1
}

function debugEnabled(): boolean {
  return (process.env.DEBUG ?? '').split(/[\s,]+/).some((name) => name === 'accessctl' || name === '*')
}

function isOclifExit(error: Error): boolean {
  return error.name === 'ExitError' || (error as {code?: string}).code === 'EEXIT'
}

/** Maps whatever was thrown to one of the spec's errors; oclif's parse errors are usage errors (exit 2). */
export function toAccessctlError(thrown: unknown): AccessctlError {
  if (thrown instanceof AccessctlError) return thrown
  const stored = asStoreError(thrown, '')
  if (stored instanceof StoreError) return stored
  if (thrown instanceof Error) {
    const oclif = (thrown as {oclif?: {exit?: number}}).oclif
    if (oclif?.exit === 2 || /Parse|Flag|Arg/.test(thrown.constructor.name)) {
      return new UsageError(thrown.message.replace(/\n+See more help with --help$/, ''), {
        hint: 'See --help for the flags and examples.',
      })
    }

    return new InternalError(`internal error: ${thrown.message}`, {
      hint: 'Run again with DEBUG=accessctl to see where it happened, and report it.',
    })
  }

  return new InternalError(`internal error: ${String(thrown)}`)
}

/** The local operator, named by OS user; in a pod without a passwd entry, by uid. */
export function localOperator(): Caller {
  let user: string
  try {
    user = userInfo().username
  } catch {
    user = process.env.USER ?? `uid:${process.getuid?.() ?? 'unknown'}`
  }

  return {kind: 'operator', user}
}

export const pageFlags = {
  limit: Flags.integer({description: 'Show at most this many rows (1-10000).', default: 100, min: 1, max: 10_000}),
  offset: Flags.integer({description: 'Skip this many rows first, to page through a long list.', default: 0, min: 0}),
}

export const yesFlag = {
  yes: Flags.boolean({char: 'y', description: 'Do it without asking for confirmation (needed when no terminal is attached).'}),
}
