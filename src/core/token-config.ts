import {parseDocument} from 'yaml'

import {UsageError} from '../errors.js'
import {preview} from './text.js'
import {dedupe, refuseExplicitlyEmptyScope, type TokenConfig, validateGrantNames} from './grant-input.js'
import type {Grant} from './grants.js'

// The token config file of `tokens create`, apart from grant-input.ts so that the commands that only check tokens
// (verify, check) do not load the YAML library: part of the executable's start-up time.

const CONFIG_KEYS = ['account', 'grants'] as const
const GRANT_KEYS = ['resources', 'functions', 'accounts', 'entities'] as const

/**
 * Parses a token config. The YAML failsafe schema reads every scalar as a string, so an account id made only of
 * digits (or digits and one `e`) is never turned into a number; JSON is YAML, so it parses the same way.
 */
export function parseTokenConfig(text: string, source: string): TokenConfig {
  if (text.trim() === '') throw new UsageError(`the token config from ${source} is empty`)
  // logLevel 'error': warnings (an unknown !tag) are refused below instead of printed by the library on stderr.
  const doc = parseDocument(text, {schema: 'failsafe', prettyErrors: true, logLevel: 'error'})
  const problem = doc.errors[0] ?? doc.warnings[0]
  if (problem) {
    const where = problem.linePos?.[0]
    const at = where ? ` at line ${where.line}, column ${where.col}` : ''
    throw new UsageError(`the token config from ${source} is not valid YAML${at}: ${firstLine(problem.message)}`)
  }

  let value: unknown
  try {
    value = doc.toJS()
  } catch (error) {
    // Aliases are resolved here, not while parsing: an unknown or runaway alias surfaces as a plain Error.
    throw new UsageError(`the token config from ${source} cannot be read: ${firstLine((error as Error).message)}`)
  }

  return validateConfig(value, source)
}

/** The parser's message, first line only and escaped: it may quote the input. */
function firstLine(message: string): string {
  return preview(message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), 200)
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function refuseUnknownKeys(value: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((key) => !known.includes(key))
  if (unknown.length > 0) {
    throw new UsageError(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${preview(k)}'`).join(', ')} in ${where}; known keys: ${known.join(', ')}`)
  }
}

function validateConfig(value: unknown, source: string): TokenConfig {
  if (!isMap(value)) throw new UsageError(`the token config from ${source} must be a mapping with 'grants' (and optionally 'account')`)
  refuseUnknownKeys(value, CONFIG_KEYS, `the token config from ${source}`)
  const config: TokenConfig = {grants: []}
  if (value.account !== undefined && value.account !== null) {
    if (typeof value.account !== 'string' || value.account.trim() === '') {
      throw new UsageError(`'account' in the token config from ${source} must be an account id`)
    }

    config.account = value.account.trim()
  }

  if (!Array.isArray(value.grants) || value.grants.length === 0) {
    throw new UsageError(`'grants' in the token config from ${source} must be a non-empty list of grants`)
  }

  config.grants = value.grants.map((grant, index) => validateGrant(grant, `grants[${index}]`))
  return config
}

function stringList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new UsageError(`${where} must be a list of strings`)
  }

  return dedupe(value.map((item: string) => item.trim()).filter((item) => item !== ''))
}

function validateGrant(value: unknown, where: string): Grant {
  if (!isMap(value)) throw new UsageError(`${where} must be a mapping with resources and functions`)
  refuseUnknownKeys(value, GRANT_KEYS, where)
  const grant: Grant = {
    resources: stringList(value.resources, `${where}.resources`),
    functions: stringList(value.functions, `${where}.functions`),
    accounts: stringList(value.accounts, `${where}.accounts`),
    entities: stringList(value.entities, `${where}.entities`),
  }
  requireParts(grant, where)
  validateGrantNames(grant)
  // null (`accounts:` with no value) is left out, as YAML writers often emit it; `[]` was written on purpose.
  const given = (key: string) => value[key] !== undefined && value[key] !== null
  refuseExplicitlyEmptyScope(grant, {accounts: given('accounts'), entities: given('entities')}, where)
  return grant
}

function requireParts(grant: Grant, where: string): void {
  if (grant.resources.length === 0) throw new UsageError(`${where} needs at least one resource`)
  if (grant.functions.length === 0) throw new UsageError(`${where} needs at least one function`)
}
