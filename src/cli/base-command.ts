import {Command, Errors, Flags, Interfaces} from '@oclif/core'
import {userInfo} from 'node:os'

import {chooseContext, type ResolvedSettings, resolveSettings} from '../core/contexts.js'
import {didYouMean, type FlagSpelling, nearestFlags} from '../core/suggest.js'
import {escapeControl, preview} from '../core/text.js'
import {findAccountById} from '../domain/accounts.js'
import {recordAudit} from '../domain/audit.js'
import {resolveCaller} from '../domain/callers.js'
import {actorOf, type Caller, type Context} from '../domain/context.js'
import {suggestNames} from '../domain/name-suggestions.js'
import {rehearse} from '../domain/rehearse.js'
import {AccessctlError, DeniedError, NotFoundError, StoreError, UnseenError, UsageError, VerdictError} from '../errors.js'
import {asStoreError, defaultStorePath, Store} from '../store/store.js'
import {configFilePath, loadContextConfig, readCredentialFile} from './context-config.js'
import {type Display, displayFor} from './display.js'
import {chalkFor, Document, humanText, type Rendered, writeError} from './output.js'
import {argvAsksJsonShape, asOutputShape, checkShapeWithJsonFlag, type OutputShape, printInShape, type ShapeViews} from './output-shape.js'
import {confirmDestructive} from './prompts.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof AccessctlCommand)['baseFlags'] & T['flags']>

export type {ErrorJson} from './output.js'

/** What oclif's parse returns for flags and args, by name (oclif's own FlagOutput type is not exported). */
type ParsedValues = Record<string, unknown>

/**
 * Flags whose value is trimmed before use, so that only whitespace is as empty as nothing: the credentials and
 * the store path. Other values (an account name of one space) are taken as they are; only "" is refused for them.
 */
const BLANK_IS_EMPTY = new Set(['token', 'admin-key', 'store', 'bearer', 'key', 'context'])

/** The global flags whose value is a setting a context may also give, and so whose source whoami shows. */
type SettingFlags = {store?: string; 'admin-key'?: string; token?: string; context?: string}

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
    context: Flags.string({
      description:
        'Use this context of the config file (see accessctl config get-contexts) instead of its current one. A flag or variable for the store or a credential still wins over the context.',
      env: 'ACCESSCTL_CONTEXT',
      helpGroup: 'GLOBAL',
    }),
  }

  /**
   * Commands that API servers call to check a credential (verify, authorize) work without one, even on a locked
   * store: they change nothing and reveal nothing but the answer.
   */
  static credentialFree = false

  /**
   * Commands that only read never create a store: on a missing one they stop with exit 6 and the path, rather
   * than leave an empty store (and its folder) behind. Commands that write create it on first use. A store they may
   * not write (a backup on a read-only mount) they open read-only, as serve does (Store.openToRead).
   */
  static readsOnly = false

  /**
   * Shell completion reads the store while someone types: it must never migrate, repair or write it (no audit row,
   * no last-used time), nor create one, so it opens the store as serve does (Store.openReadOnly).
   */
  static neverWrites = false

  private openedStore?: Store
  private resolvedCaller?: Caller
  /** What `-o/--output` asked for, on the gets and lists that take it (src/cli/output-shape.ts). */
  private outputShape?: OutputShape
  /** False when --no-headers was given (the lists take it): every table show() prints is then without its header. */
  private tableHeaders = true
  private resolvedSettings?: ResolvedSettings
  /** The flags typed on the command line, as opposed to taken from their environment variable by oclif. */
  private typedFlags = new Set<string>()

  /**
   * oclif's parse, then the rule that a flag or variable given empty is refused (exit 2) rather than taken as not
   * given: `--token ""` or `ACCESSCTL_TOKEN=" "` would otherwise run as the local operator, and `ACCESSCTL_STORE=""`
   * would quietly open the default store. oclif itself skips an empty variable, so the environment is read here.
   */
  protected override async parse<F extends ParsedValues, B extends ParsedValues, A extends ParsedValues>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    const definitions = {...(this.constructor as typeof AccessctlCommand).baseFlags, ...(options ?? this.ctor).flags}
    let output: Interfaces.ParserOutput<F, B, A>
    try {
      output = await super.parse<F, B, A>(options, argv)
    } catch (error) {
      // A flag's own parse (src/cli/flags.ts) throws our errors; oclif wraps their message in "Parsing --flag ... See
      // more help", which our message already says better.
      if (error instanceof AccessctlError) error.message = error.message.replace(/^Parsing --[\w-]+ \n\t/, '').replace(/\nSee more help with --help$/, '')
      // An unknown flag is answered here, where this command's own flags are known, with the nearest of them.
      throw isParseError(error) ? toAccessctlError(error, this.flagSpellings(definitions)) : error
    } finally {
      // It was parsed, even when it failed: oclif would otherwise warn that the command never called parse.
      this.parsed = true
    }

    this.outputShape = asOutputShape((output.flags as Record<string, unknown>).output)
    this.tableHeaders = (output.flags as Record<string, unknown>)['no-headers'] !== true
    checkShapeWithJsonFlag(this.outputShape, super.jsonEnabled())
    const given = new Set(output.raw.flatMap((token) => (token.type === 'flag' ? [token.flag] : [])))
    this.typedFlags = given
    for (const [name, definition] of Object.entries(definitions) as Array<[string, {type: string; env?: string}]>) {
      if (definition.type !== 'option') continue
      const isEmpty = (value: string) => value === '' || (BLANK_IS_EMPTY.has(name) && value.trim() === '')
      if (given.has(name)) {
        const value = (output.flags as Record<string, unknown>)[name]
        const values = Array.isArray(value) ? value : [value]
        if (values.some((item) => typeof item === 'string' && isEmpty(item))) {
          throw new UsageError(`--${name} is empty`, {hint: `Give --${name} a value, or leave the flag out.`})
        }
      } else if (definition.env !== undefined) {
        const value = process.env[definition.env]
        if (value !== undefined && isEmpty(value)) {
          throw new UsageError(`${definition.env} is set but empty`, {hint: `Give it a value, or unset it: unset ${definition.env}`})
        }
      }
    }

    return output
  }

  /** The flags this command takes, as they may be typed; hidden ones are never suggested. */
  private flagSpellings(definitions: Record<string, unknown>): FlagSpelling[] {
    const spellings = Object.entries(definitions as Record<string, {char?: string; aliases?: string[]; hidden?: boolean}>)
      .filter(([, definition]) => !definition.hidden)
      .map(([name, definition]) => ({name, char: definition.char, aliases: definition.aliases}))
    return (this.constructor as typeof AccessctlCommand).enableJsonFlag ? [...spellings, {name: 'json'}] : spellings
  }

  /** `-o json` is --json: the same document, and errors as the error document. */
  override jsonEnabled(): boolean {
    if (super.jsonEnabled()) return true
    if (this.outputShape) return this.outputShape.kind === 'json'
    return 'output' in (this.ctor.flags ?? {}) && argvAsksJsonShape(this.argv)
  }

  /** A get's or a list's result in the shape `-o` asked for (human output without it); returned as its --json document. */
  protected async show<T>(result: T, views: ShapeViews): Promise<T> {
    await printInShape(result, this.outputShape, views, (text) => this.say(text), this.tableHeaders)
    return result
  }

  /**
   * Opens the store and resolves who is calling, each setting from its flag, else its environment variable, else
   * the context (--context, ACCESSCTL_CONTEXT or the config file's current one), else the default.
   */
  protected async context(flags: SettingFlags): Promise<Context> {
    const settings = await this.settings(flags)
    const path = settings.store.path
    const command = this.constructor as typeof AccessctlCommand
    this.openedStore ??= command.neverWrites ? Store.openReadOnly(path) : command.readsOnly ? Store.openToRead(path) : Store.open(path)
    if (!this.resolvedCaller) {
      const operator = localOperator()
      if ((this.constructor as typeof AccessctlCommand).credentialFree) {
        this.resolvedCaller = operator
      } else {
        const {credential} = settings
        // The context's credential file is read now, at use, and only when no flag or variable gave a credential.
        const fromFile = credential.file && readCredentialFile(credential.file, settings.context?.name ?? '')
        const credentials = credential.file?.kind === 'token' ? {token: fromFile} : credential.file ? {adminKey: fromFile} : {token: credential.token, adminKey: credential.adminKey}
        this.resolvedCaller = await resolveCaller(this.openedStore, credentials, operator)
      }
    }

    return {store: this.openedStore, caller: this.resolvedCaller}
  }

  /**
   * Where the store and the credential come from (flag > environment > context > default), read once. The config
   * file is not opened when flags or variables give both, unless a context was asked for by name (which must exist).
   */
  protected async settings(flags: SettingFlags): Promise<ResolvedSettings> {
    if (this.resolvedSettings) return this.resolvedSettings
    const typed = (name: string) => this.typedFlags.has(name)
    const byFlag = typed('token') || typed('admin-key')
    const credentialGiven = flags.token !== undefined || flags['admin-key'] !== undefined
    const store = {flag: typed('store') ? flags.store : undefined, environment: typed('store') ? undefined : flags.store, fallback: defaultStorePath()}
    const asked = {flag: typed('context') ? flags.context : undefined, environment: typed('context') ? undefined : flags.context}
    let context: ReturnType<typeof chooseContext>
    if (flags.context !== undefined || flags.store === undefined || !credentialGiven) {
      const file = configFilePath()
      context = chooseContext(await loadContextConfig(file), asked, file ?? 'the config file')
    }

    this.resolvedSettings = resolveSettings({store, credential: {token: flags.token, adminKey: flags['admin-key'], byFlag}, context})
    return this.resolvedSettings
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

  /**
   * How times and accounts read in this command's human output: relative times and account names on a terminal,
   * RFC 3339 and ids when piped. Names come from the store the command opened (none is opened just for them).
   */
  protected display(): Display {
    const store = this.openedStore
    return displayFor(Boolean(process.stdout.isTTY) && !this.jsonEnabled(), (id) => (store ? findAccountById(store.db, id)?.name : undefined))
  }

  /**
   * Asks before a destructive change. With `change` (the change itself), it is first rehearsed and rolled back, so a
   * change that would be refused (exit 3, 4 or 5) is refused before the question is asked, or --yes asked for.
   */
  protected async confirm(question: string, yes: boolean, change?: () => unknown): Promise<void> {
    if (!yes && change && this.openedStore) rehearse(this.openedStore, change)
    await confirmDestructive(question, yes)
  }

  /**
   * Human output, printed unless --json is on. A plain string is one message line and is escaped whole (a name
   * with a newline in it stays on its line); a Rendered table, field list or block was escaped cell by cell. A
   * document is not human output: it goes through printDocument, which does not escape it.
   */
  protected say(text: string | Rendered | undefined): void {
    if (text === undefined) return
    const shown = humanText(text)
    if (shown !== '') this.log(shown)
  }

  /**
   * A document for a program (JSON, YAML, a token, a key), printed exactly as it was built unless --json is on
   * (then the command's result is the document). Never escaped here: escaping a line break of a JSON document on
   * the way out made `tokens jwks > jwks.json` unreadable; a Document was made safe when it was built.
   */
  protected printDocument(document: Document): void {
    if (!this.jsonEnabled()) document.writeTo(process.stdout)
  }

  /** A note for the person at the terminal, on stderr so that stdout stays the result; escaped like `say`. */
  protected inform(text: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${escapeControl(text)}\n`)
  }

  protected warnUser(text: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${chalkFor(process.stderr).yellow('Warning:')} ${escapeControl(text)}\n`)
  }

  /** A deprecated name was read: said on stderr with --json too, where stdout stays the document. */
  protected warnDeprecated(text: string): void {
    process.stderr.write(`${chalkFor(process.stderr).yellow('Warning:')} ${escapeControl(text)}\n`)
  }

  override async catch(thrown: Error & {exitCode?: number}): Promise<void> {
    if (isOclifExit(thrown)) throw thrown
    const error = this.withNameSuggestions(toAccessctlError(thrown))
    if (error instanceof DeniedError) this.auditDenial(error)
    else if (error instanceof UnseenError) this.auditDenial(error.denial)
    process.exitCode = error.exitCode
    if (this.jsonEnabled() && error instanceof VerdictError && error.document !== undefined) {
      if (error.document !== null) this.logJson(error.document)
    } else {
      writeError(error, this.jsonEnabled())
    }

    if (debugEnabled()) process.stderr.write(`${(thrown.stack ?? String(thrown))}\n`)
  }

  /**
   * A missing service, infrastructure, deployment, group or account gets the nearest the caller may see as its hint.
   * It is added here, for a missing and an unseen object alike, so that the two answers stay the same (issue 17).
   */
  private withNameSuggestions(error: AccessctlError): AccessctlError {
    if (!(error instanceof NotFoundError) || error.lookup === undefined || !this.openedStore || !this.resolvedCaller) return error
    let suggestion: string | undefined
    try {
      suggestion = didYouMean(suggestNames({store: this.openedStore, caller: this.resolvedCaller}, error.lookup).map((name) => preview(name, 100)))
    } catch {
      // The hint is a courtesy: a store that cannot answer it leaves the not-found answer as it was.
      return error
    }

    if (suggestion === undefined) return error
    const notFound = new NotFoundError(error.message, {hint: error.hint === undefined ? suggestion : `${suggestion} ${error.hint}`, lookup: error.lookup})
    return error instanceof UnseenError ? new UnseenError(notFound, error.denial) : notFound
  }

  override async finally(error: Error | undefined): Promise<void> {
    this.openedStore?.close()
    await super.finally(error)
  }

  /** Result objects are printed as plain JSON: stable, uncoloured, one document. */
  override logJson(json: unknown): void {
    Document.json(json).writeTo(process.stdout)
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

/**
 * Maps whatever was thrown to one of the spec's errors; oclif's parse errors are usage errors (exit 2). Given the
 * command's `flags`, an unknown flag's hint begins with the nearest of them.
 */
export function toAccessctlError(thrown: unknown, flags?: readonly FlagSpelling[]): AccessctlError {
  if (thrown instanceof AccessctlError) return thrown
  const stored = asStoreError(thrown, '')
  if (stored instanceof StoreError) return stored
  if (isParseError(thrown)) {
    const hint = 'See --help for the flags and examples.'
    const suggestion = flags === undefined ? undefined : flagSuggestion(unknownFlagsOf(thrown), flags)
    return new UsageError(parseErrorMessage(thrown), {hint: suggestion === undefined ? hint : `${suggestion} ${hint}`})
  }

  if (thrown instanceof Error) {
    return new InternalError(`internal error: ${thrown.message}`, {
      hint: 'Run again with DEBUG=accessctl to see where it happened, and report it.',
    })
  }

  return new InternalError(`internal error: ${String(thrown)}`)
}

/**
 * oclif's parse errors (unknown flag, missing or invalid argument, flag constraints) are CLIErrors with exit 2.
 * @oclif/core 4.14 exports CLIError (Errors) but not the parser's subclasses (lib/parser/errors is outside its
 * package exports), so the exported base class and oclif's own exit code are what identify them.
 */
function isParseError(thrown: unknown): thrown is Errors.CLIError {
  return thrown instanceof Errors.CLIError && thrown.oclif.exit === 2
}

/** The flags an unknown-flag error names (none for other parse errors). */
function unknownFlagsOf(error: Errors.CLIError): string[] {
  const {flags} = error as Errors.CLIError & {flags?: unknown}
  if (!/^Nonexistent flags?: /.test(error.message) || !Array.isArray(flags)) return []
  return flags.filter((flag): flag is string => typeof flag === 'string')
}

/**
 * "Did you mean --limit?" for one unknown flag; for several, each suggestion says which flag it is for. Undefined when
 * no flag of the command is near any of them. The typed flag is quoted as the message quotes it.
 */
function flagSuggestion(unknown: readonly string[], flags: readonly FlagSpelling[]): string | undefined {
  if (unknown.length === 1) return didYouMean(nearestFlags(unknown[0], flags))
  const each = unknown.flatMap((typed) => {
    const nearest = nearestFlags(typed, flags)
    return nearest.length === 0 ? [] : [`${nearest.join(' or ')} for '${preview(typed, 100)}'`]
  })
  return each.length === 0 ? undefined : `Did you mean ${each.join(', ')}?`
}

/**
 * oclif's message for a parse error, with the user's words in it escaped: they may hold line breaks or terminal
 * controls, and oclif quotes them as they are.
 */
function parseErrorMessage(error: Errors.CLIError): string {
  const message = error.message.replace(/\n+See more help with --help$/, '').replace(/^Parsing (--[\w-]+) \n\t/, '$1: ')
  const quote = (word: string) => `'${preview(word, 100)}'`
  const {flags, args} = error as Errors.CLIError & {flags?: unknown; args?: unknown}
  const strings = (value: unknown) => (Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : undefined)
  const unknownFlags = /^Nonexistent flags?: /.test(message) ? strings(flags) : undefined
  if (unknownFlags) return `unknown flag${unknownFlags.length === 1 ? '' : 's'}: ${unknownFlags.map(quote).join(', ')}`
  const unexpectedArgs = /^Unexpected arguments?: /.test(message) ? strings(args) : undefined
  if (unexpectedArgs) return `unexpected argument${unexpectedArgs.length === 1 ? '' : 's'}: ${unexpectedArgs.map(quote).join(', ')}`
  const badFlagOption = /^Expected (--[\w-]+)=([\s\S]*) to be one of: (.*)$/.exec(message)
  if (badFlagOption) return `${badFlagOption[1]} takes one of: ${badFlagOption[3]}; got ${quote(badFlagOption[2])}`
  const badArgOption = /^Expected ([\s\S]*) to be one of: (.*)$/.exec(message)
  if (badArgOption) return `expected one of: ${badArgOption[2]}; got ${quote(badArgOption[1])}`
  return message
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

/**
 * Far past any real list, and small enough that offset + limit stays an exact integer that SQLite takes as one:
 * oclif reads 9223372036854775807 as a float, which SQLite refused with "datatype mismatch".
 */
export const MAX_OFFSET = 1_000_000_000

export const pageFlags = {
  limit: Flags.integer({description: 'Show at most this many rows (1-10000).', default: 100, min: 1, max: 10_000}),
  offset: Flags.integer({description: `Skip this many rows first, to page through a long list (0-${MAX_OFFSET}).`, default: 0, min: 0, max: MAX_OFFSET}),
}

export const yesFlag = {
  yes: Flags.boolean({char: 'y', description: 'Do it without asking for confirmation (needed when no terminal is attached).'}),
}
