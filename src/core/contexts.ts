import {NotFoundError, UsageError} from '../errors.js'
import {didYouMean, nearestNames} from './suggest.js'
import {preview} from './text.js'

/**
 * Contexts, as kubeconfig's: a named store path and at most one credential file, so that a daily user does not give
 * --store and a credential on every command. The config file never holds a secret itself, only where one is.
 * Pure rules here; reading and writing the file is src/cli/context-config.ts, parsing its YAML context-file.ts.
 */

export interface ContextEntry {
  name: string
  /** Absolute, taken literally. */
  store: string
  tokenFile?: string
  adminKeyFile?: string
}

export interface ContextConfig {
  currentContext?: string
  contexts: ContextEntry[]
}

export const EMPTY_CONTEXT_CONFIG: ContextConfig = {contexts: []}

/** As group names are: what people type after --context and read in get-contexts, so no case or look-alike games. */
const CONTEXT_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/
export const MAX_CONTEXT_NAME_LENGTH = 63
/** PATH_MAX on Linux: a longer path cannot be opened anyway. */
export const MAX_CONTEXT_PATH_BYTES = 4096
/** Far past anyone's contexts; keeps get-contexts and the file small. */
export const MAX_CONTEXTS = 1000

export function contextNameProblem(name: string): string | undefined {
  if (name.length > MAX_CONTEXT_NAME_LENGTH) return `has at most ${MAX_CONTEXT_NAME_LENGTH} characters; this one has ${name.length}`
  if (!CONTEXT_NAME.test(name)) return 'may hold only lower-case letters, digits, ".", "_" and "-", and starts with a letter or a digit'
  return undefined
}

export function validateContextName(name: string): string {
  const problem = contextNameProblem(name)
  if (problem) throw new UsageError(`context name '${preview(name, 80)}' ${problem}`, {hint: 'For example: prod, staging-eu, ci.'})
  return name
}

export function contextPathProblem(path: string): string | undefined {
  if (path.includes('\u0000')) return 'contains a NUL byte'
  if (Buffer.byteLength(path) > MAX_CONTEXT_PATH_BYTES) return `is longer than ${MAX_CONTEXT_PATH_BYTES} bytes`
  if (!path.startsWith('/')) return 'is not absolute'
  return undefined
}

export function findContext(config: ContextConfig, name: string): ContextEntry | undefined {
  return config.contexts.find((context) => context.name === name)
}

/** Where the context a command uses was named. */
export type ContextChoice = {name: string; from: 'flag' | 'environment' | 'config file'}

/**
 * The context a command uses: --context, then ACCESSCTL_CONTEXT, then the file's current-context, or none. A name
 * given on the command line or in the environment that names no context is exit 2 with the nearest names, as is a
 * current-context left naming a deleted one (the file was edited by hand).
 */
export function chooseContext(
  config: ContextConfig,
  asked: {flag?: string; environment?: string},
  file: string,
): {choice: ContextChoice; context: ContextEntry} | undefined {
  const choice: ContextChoice | undefined =
    asked.flag === undefined
      ? asked.environment === undefined
        ? config.currentContext === undefined
          ? undefined
          : {name: config.currentContext, from: 'config file'}
        : {name: asked.environment, from: 'environment'}
      : {name: asked.flag, from: 'flag'}
  if (choice === undefined) return undefined
  const context = findContext(config, choice.name)
  if (context) return {choice, context}
  const where = {flag: '--context', environment: 'ACCESSCTL_CONTEXT', 'config file': `current-context in ${file}`}[choice.from]
  const suggestion = didYouMean(nearestNames(choice.name, config.contexts.map((each) => each.name)))
  const known = config.contexts.length === 0 ? 'there are no contexts yet' : `see ${'accessctl config get-contexts'}`
  throw new UsageError(`${where} names no context: '${preview(choice.name, 80)}'`, {
    hint: [suggestion, `Create it with accessctl config set-context NAME --store PATH, or ${known}.`].filter(Boolean).join(' '),
  })
}

/** Where a setting a command used came from, most binding first. */
export type SettingSource = 'flag' | 'environment' | 'context' | 'default'

/** A credential file a context names: read at use, never stored in the config file. */
export interface CredentialFile {
  kind: 'token' | 'admin-key'
  path: string
}

export interface ResolvedSettings {
  context?: ContextChoice
  store: {path: string; from: SettingSource}
  /** `token`/`adminKey` as given by flag or environment, or the context's `file`, or nothing (the local operator). */
  credential: {from: SettingSource; token?: string; adminKey?: string; file?: CredentialFile}
}

/**
 * Per setting, flag > environment > context > default. The credential is one setting: a token or an admin key
 * given by flag or environment hides the context's credential file, which is then not read at all. (A token and an
 * admin key given together are refused when the caller is resolved, as they were before contexts.)
 */
export function resolveSettings(input: {
  store: {flag?: string; environment?: string; fallback: string}
  credential: {token?: string; adminKey?: string; byFlag: boolean}
  context?: {choice: ContextChoice; context: ContextEntry}
}): ResolvedSettings {
  const {store, credential, context} = input
  const entry = context?.context
  const storeSetting: ResolvedSettings['store'] =
    store.flag === undefined
      ? store.environment === undefined
        ? entry === undefined
          ? {path: store.fallback, from: 'default'}
          : {path: entry.store, from: 'context'}
        : {path: store.environment, from: 'environment'}
      : {path: store.flag, from: 'flag'}
  return {context: context?.choice, store: storeSetting, credential: credentialSetting(credential, entry)}
}

function credentialSetting(credential: {token?: string; adminKey?: string; byFlag: boolean}, entry: ContextEntry | undefined): ResolvedSettings['credential'] {
  const {token, adminKey, byFlag} = credential
  if (token !== undefined || adminKey !== undefined) return {from: byFlag ? 'flag' : 'environment', token, adminKey}
  if (entry?.tokenFile !== undefined) return {from: 'context', file: {kind: 'token', path: entry.tokenFile}}
  if (entry?.adminKeyFile !== undefined) return {from: 'context', file: {kind: 'admin-key', path: entry.adminKeyFile}}
  return {from: 'default'}
}

/** "flag", "environment", "context prod", "default", as whoami shows where a setting came from. */
export function describeSource(from: SettingSource, context?: ContextChoice): string {
  return from === 'context' && context ? `context ${context.name}` : from
}

/** What set-context changes: only the fields given; a credential file given replaces the other kind. */
export interface ContextChanges {
  store?: string
  tokenFile?: string
  adminKeyFile?: string
}

/** `config set-context`: creates the context (a store is then required) or updates only the fields given. */
export function setContext(config: ContextConfig, name: string, changes: ContextChanges): {config: ContextConfig; context: ContextEntry; created: boolean} {
  validateContextName(name)
  const existing = findContext(config, name)
  if (!existing && changes.store === undefined) {
    throw new UsageError(`context '${name}' does not exist yet: creating it needs --store PATH`, {
      hint: `For example: accessctl config set-context ${name} --store ~/accessctl/${name}.db`,
    })
  }

  if (!existing && config.contexts.length >= MAX_CONTEXTS) throw new UsageError(`there are already ${MAX_CONTEXTS} contexts, the most the file holds`)
  const context: ContextEntry = {name, store: changes.store ?? existing!.store}
  const credential =
    changes.tokenFile === undefined
      ? changes.adminKeyFile === undefined
        ? {tokenFile: existing?.tokenFile, adminKeyFile: existing?.adminKeyFile}
        : {adminKeyFile: changes.adminKeyFile}
      : {tokenFile: changes.tokenFile}
  if (credential.tokenFile !== undefined) context.tokenFile = credential.tokenFile
  if (credential.adminKeyFile !== undefined) context.adminKeyFile = credential.adminKeyFile
  const contexts = existing ? config.contexts.map((each) => (each.name === name ? context : each)) : [...config.contexts, context]
  return {config: {...config, contexts}, context, created: !existing}
}

/** A context named by a command's argument that does not exist: exit 4, as any name not found, with the nearest. */
export function requireContext(config: ContextConfig, name: string): ContextEntry {
  validateContextName(name)
  const context = findContext(config, name)
  if (context) return context
  const suggestion = didYouMean(nearestNames(name, config.contexts.map((each) => each.name)))
  throw new NotFoundError(`no context named '${preview(name, 80)}'`, {
    hint: [suggestion, config.contexts.length === 0 ? 'There are no contexts yet: create one with accessctl config set-context NAME --store PATH.' : 'See accessctl config get-contexts.']
      .filter(Boolean)
      .join(' '),
  })
}

export function useContext(config: ContextConfig, name: string): {config: ContextConfig; context: ContextEntry} {
  const context = requireContext(config, name)
  return {config: {...config, currentContext: name}, context}
}

/** `config delete-context`: deleting the current context clears current-context, so no command uses a ghost. */
export function deleteContext(config: ContextConfig, name: string): {config: ContextConfig; context: ContextEntry; wasCurrent: boolean} {
  const context = requireContext(config, name)
  const wasCurrent = config.currentContext === name
  const contexts = config.contexts.filter((each) => each.name !== name)
  return {config: wasCurrent ? {contexts} : {...config, contexts}, context, wasCurrent}
}
