import {isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap} from 'yaml'

import {UsageError} from '../errors.js'
import {
  type ContextConfig,
  type ContextEntry,
  contextNameProblem,
  contextPathProblem,
  MAX_CONTEXTS,
} from './contexts.js'
import {preview} from './text.js'
import {yamlText} from './yaml-text.js'

// Apart from contexts.ts so that a command run without a config file never loads the YAML library: start-up time.

const TOP_KEYS = ['current-context', 'contexts'] as const
const CONTEXT_KEYS = ['name', 'store', 'token-file', 'admin-key-file'] as const

/**
 * The config file's YAML, read as the project reads every document: the failsafe schema (every scalar a string),
 * unique keys, no unknown key, and each problem with its line, so that a hand edit gone wrong is found at once.
 */
export function parseContextConfig(text: string, file: string): ContextConfig {
  const lineCounter = new LineCounter()
  // logLevel 'error': warnings (an unknown !tag) are refused below instead of printed by the library on stderr.
  const doc = parseDocument(text, {lineCounter, schema: 'failsafe', uniqueKeys: true, prettyErrors: true, logLevel: 'error'})
  const lineOf = (node: Node | null | undefined) => (node?.range ? lineCounter.linePos(node.range[0]).line : undefined)
  const fail = (message: string, node?: Node | null): never => {
    const line = lineOf(node)
    throw new UsageError(`${line === undefined ? '' : `line ${line} of `}${preview(file, 200)}: ${message}`, {
      hint: `Fix the file, or remove it to start again: rm ${preview(file, 200)} (it holds no secret, only paths).`,
    })
  }

  const problem = doc.errors[0] ?? doc.warnings[0]
  if (problem) {
    const where = problem.linePos?.[0]
    throw new UsageError(`${where ? `line ${where.line} of ` : ''}${preview(file, 200)} is not valid YAML: ${preview(problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), 200)}`, {
      hint: `Fix the file, or remove it to start again: rm ${preview(file, 200)} (it holds no secret, only paths).`,
    })
  }

  const root = doc.contents
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return {contexts: []}
  if (!isMap(root)) return fail(`the file must be a mapping with 'current-context' and 'contexts'`, root)
  const top = mapping(root, TOP_KEYS, 'the file', fail)
  const config: ContextConfig = {contexts: []}
  const current = top.get('current-context')
  if (current !== undefined && !isEmptyScalar(current)) {
    const name = stringOf(current, 'current-context', fail)
    const nameProblem = contextNameProblem(name)
    if (nameProblem) fail(`current-context '${preview(name, 80)}' ${nameProblem}`, current)
    config.currentContext = name
  }

  const contexts = top.get('contexts')
  if (contexts === undefined || isEmptyScalar(contexts)) return config
  if (!isSeq(contexts)) return fail(`'contexts' must be a list`, contexts)
  if (contexts.items.length > MAX_CONTEXTS) fail(`at most ${MAX_CONTEXTS} contexts; this file has ${contexts.items.length}`, contexts)
  for (const item of contexts.items as Array<Node | null>) {
    if (!isMap(item)) return fail(`each context must be a mapping with 'name' and 'store'`, item)
    const fields = mapping(item, CONTEXT_KEYS, 'a context', fail)
    const nameNode = fields.get('name')
    if (nameNode === undefined) return fail(`a context has no 'name'`, item)
    const name = stringOf(nameNode, 'name', fail)
    const nameProblem = contextNameProblem(name)
    if (nameProblem) fail(`context name '${preview(name, 80)}' ${nameProblem}`, nameNode)
    if (config.contexts.some((context) => context.name === name)) fail(`context '${name}' is there twice`, nameNode)
    const path = (key: string): string | undefined => {
      const node = fields.get(key)
      if (node === undefined || isEmptyScalar(node)) return undefined
      const value = stringOf(node, key, fail)
      const pathProblem = contextPathProblem(value)
      if (pathProblem) fail(`${key} of context '${name}' ${pathProblem}`, node)
      return value
    }

    const store = path('store')
    if (store === undefined) return fail(`context '${name}' has no 'store'`, item)
    const entry: ContextEntry = {name, store}
    const tokenFile = path('token-file')
    const adminKeyFile = path('admin-key-file')
    if (tokenFile !== undefined && adminKeyFile !== undefined) fail(`context '${name}' has both a token-file and an admin-key-file; keep one`, item)
    if (tokenFile !== undefined) entry.tokenFile = tokenFile
    if (adminKeyFile !== undefined) entry.adminKeyFile = adminKeyFile
    config.contexts.push(entry)
  }

  return config
}

type Fail = (message: string, node?: Node | null) => never

/** A mapping's values by key, every key a plain string among `known`. */
function mapping(map: YAMLMap, known: readonly string[], what: string, fail: Fail): Map<string, Node> {
  const values = new Map<string, Node>()
  for (const pair of map.items) {
    const key = pair.key as Node | null
    if (!isScalar(key) || typeof key.value !== 'string') return fail(`a key of ${what} is not a plain word`, key)
    if (!known.includes(key.value)) fail(`unknown key '${preview(key.value, 80)}' in ${what}; known keys: ${known.join(', ')}`, key)
    // `key:` with no value is not given, as YAML writers often emit it.
    if (pair.value !== null && pair.value !== undefined) values.set(key.value, pair.value as Node)
  }

  return values
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && (node.value === null || node.value === '')
}

function stringOf(node: Node, key: string, fail: Fail): string {
  if (!isScalar(node) || typeof node.value !== 'string') return fail(`'${key}' must be a string`, node)
  return node.value
}

/** The file as accessctl writes it: a comment that says what it is, then the YAML, stable in order. */
export function contextConfigText(config: ContextConfig): string {
  const document = {
    ...(config.currentContext === undefined ? {} : {'current-context': config.currentContext}),
    contexts: config.contexts.map((context) => ({
      name: context.name,
      store: context.store,
      ...(context.tokenFile === undefined ? {} : {'token-file': context.tokenFile}),
      ...(context.adminKeyFile === undefined ? {} : {'admin-key-file': context.adminKeyFile}),
    })),
  }
  return `# accessctl contexts: written by \`accessctl config\`. No secret here: a credential stays in its own file (0600).\n${yamlText(document)}`
}
