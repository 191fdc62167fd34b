import {stringify} from 'yaml'

import {FUNCTIONS, type Grant, RESOURCES, WILDCARD} from '../core/grants.js'
import {PUBLIC_ACCOUNT, ROLES} from '../core/roles.js'
import {escapeControl} from '../core/text.js'
import type {TokenType} from '../core/token-format.js'
import {formatTtl, parseTtl} from '../core/ttl.js'
import {AccessctlError} from '../errors.js'
import {requireSeenAccount} from '../domain/accounts.js'
import type {Context} from '../domain/context.js'
import {DEFAULT_TTL_SECONDS, resolveGrantAccount, validateCreateInput} from '../domain/token-mint.js'
import {PROMPT_CONTEXT, PromptAborted} from './prompts.js'

/**
 * The questions of `tokens create` on a terminal when no role, grant flags or config say what the token grants: the
 * account (unless -i), a role or one or more custom grants (functions, resources, accounts, entities), the ttl and
 * the label (unless given as flags), then a review to submit, edit a part, or cancel. Each answer is checked as it is
 * given, by the same functions `createToken` checks with (an unknown account is said at once, and asked again).
 */

/** What the person at the terminal chose: the parts of CreateTokenInput the prompts fill in. */
export interface PromptedToken {
  account: string
  role?: string
  grants?: Grant[]
  ttlSeconds?: number
  label?: string
}

/** What the flags already said (never asked again), and the store that answers are checked against. */
export interface PromptStart {
  type: TokenType
  account?: string
  ttlSeconds?: number
  label?: string
}

const CUSTOM = 'custom'
const splitComma = (text: string) => [...new Set(text.split(',').map((s) => s.trim()).filter((s) => s !== ''))]

async function ask<T>(question: () => Promise<T>): Promise<T> {
  try {
    return await question()
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new PromptAborted('aborted: no token was created')
    }

    throw error
  }
}

/** An inquirer `validate`: true, or the message of the error the check threw (the prompt shows it and asks again). */
function checked(check: (value: string) => unknown): (value: string) => true | string {
  return (value) => {
    try {
      check(value)
      return true
    } catch (error) {
      if (error instanceof AccessctlError) return escapeControl(error.message)
      throw error
    }
  }
}

/** The checks of createToken, one answer at a time. */
function checksFor(ctx: Context, type: TokenType) {
  return {
    account: (text: string) => ctx.store.read(() => requireSeenAccount(ctx, text.trim())),
    grantAccounts: (text: string) =>
      ctx.store.read(() => {
        for (const reference of splitComma(text)) resolveGrantAccount(ctx, reference)
      }),
    ttl: (text: string) => {
      const ttlSeconds = parseTtl(text, 'the ttl')
      validateCreateInput({type, role: ROLES[0].name, ttlSeconds})
      return ttlSeconds
    },
    label: (text: string) => {
      if (text === '') return
      validateCreateInput({type, role: ROLES[0].name, label: text})
    },
  }
}

export async function promptToken(ctx: Context, start: PromptStart): Promise<PromptedToken> {
  const {input, select} = await import('@inquirer/prompts')
  const checks = checksFor(ctx, start.type)
  const askAccount = async () =>
    ask(() =>
      input({message: 'Account id (or name) the token is for:', required: true, validate: checked(checks.account)}, PROMPT_CONTEXT),
    )
  const askTtl = async () =>
    ask(() =>
      input(
        {message: 'How long may it live (30m, 12h, 90d):', default: formatTtl(DEFAULT_TTL_SECONDS[start.type]), validate: checked(checks.ttl)},
        PROMPT_CONTEXT,
      ),
    ).then((text) => checks.ttl(text))
  const askLabel = async () =>
    ask(() => input({message: 'Label (optional, shown in tokens list):', validate: checked(checks.label)}, PROMPT_CONTEXT)).then(
      (text) => (text === '' ? undefined : text),
    )

  const chosen: PromptedToken = {account: start.account ?? (await askAccount()).trim()}
  Object.assign(chosen, await promptGrants(chosen.account, checks))
  if (start.ttlSeconds === undefined) chosen.ttlSeconds = await askTtl()
  if (start.label === undefined) chosen.label = await askLabel()

  for (;;) {
    PROMPT_CONTEXT.output.write(`${review(ctx, start, chosen)}\n`)
    const next = await ask(() =>
      select(
        {
          message: 'Create this token?',
          choices: [
            {name: 'Submit', value: 'submit'},
            {name: 'Edit', value: 'edit'},
            {name: 'Cancel', value: 'cancel'},
          ],
        },
        PROMPT_CONTEXT,
      ),
    )
    if (next === 'submit') return chosen
    if (next === 'cancel') throw new PromptAborted('aborted: no token was created')
    const parts = [
      ...(start.account === undefined ? [{name: 'Account', value: 'account'}] : []),
      {name: 'Grants', value: 'grants'},
      ...(start.ttlSeconds === undefined ? [{name: 'Ttl', value: 'ttl'}] : []),
      ...(start.label === undefined ? [{name: 'Label', value: 'label'}] : []),
    ]
    const part = await ask(() => select({message: 'Edit which part?', choices: parts}, PROMPT_CONTEXT))
    if (part === 'account') chosen.account = (await askAccount()).trim()
    if (part === 'grants') {
      delete chosen.role
      delete chosen.grants
      Object.assign(chosen, await promptGrants(chosen.account, checks))
    }

    if (part === 'ttl') chosen.ttlSeconds = await askTtl()
    if (part === 'label') chosen.label = await askLabel()
  }
}

/** A role, or custom grants built one at a time; an Admin-strength choice is confirmed first. */
async function promptGrants(accountId: string, checks: ReturnType<typeof checksFor>): Promise<{role: string} | {grants: Grant[]}> {
  const {checkbox, confirm, input, select} = await import('@inquirer/prompts')
  const choice = await ask(() =>
    select(
      {
        message: 'What may the token do?',
        choices: [
          ...ROLES.map((role) => ({name: role.name, value: role.name, description: role.description})),
          {name: 'Custom grants', value: CUSTOM, description: 'Pick functions and resources, then name the accounts and objects.'},
        ],
      },
      PROMPT_CONTEXT,
    ),
  )
  if (choice !== CUSTOM) {
    if (choice === 'Admin') await confirmAdmin()
    return {role: choice}
  }

  const required = (values: readonly unknown[]) => values.length > 0 || 'pick at least one'
  const grants: Grant[] = []
  for (;;) {
    const number = grants.length + 1
    const functions = await ask(() =>
      checkbox({message: `Grant ${number}: functions:`, choices: [WILDCARD, ...FUNCTIONS].map((value) => ({value})), required: true, validate: required}, PROMPT_CONTEXT),
    )
    const resources = await ask(() =>
      checkbox(
        {message: `Grant ${number}: resources:`, choices: [WILDCARD, ...RESOURCES].map((value) => ({value})), required: true, pageSize: 12, validate: required},
        PROMPT_CONTEXT,
      ),
    )
    const accounts = await ask(() =>
      input(
        {
          message: `Grant ${number}: in accounts (ids or names, comma-separated; ${PUBLIC_ACCOUNT} and * allowed):`,
          default: accountId,
          validate: checked(checks.grantAccounts),
        },
        PROMPT_CONTEXT,
      ),
    )
    const entities = await ask(() =>
      input({message: `Grant ${number}: or on these objects (ids, comma-separated; optional):`}, PROMPT_CONTEXT),
    )
    const grant: Grant = {functions, resources, accounts: splitComma(accounts), entities: splitComma(entities)}
    if (grant.accounts.length === 0 && grant.entities.length === 0) grant.accounts = [accountId]
    grants.push(grant)
    const another = await ask(() => confirm({message: 'Add another grant?', default: false}, PROMPT_CONTEXT))
    if (!another) break
  }

  if (grants.some((grant) => grant.functions.includes(WILDCARD) && grant.resources.includes(WILDCARD) && grant.accounts.includes(WILDCARD))) {
    await confirmAdmin()
  }

  return {grants}
}

async function confirmAdmin(): Promise<void> {
  const {confirm} = await import('@inquirer/prompts')
  const sure = await ask(() =>
    confirm({message: 'This token may do anything in every account. Create it?', default: false}, PROMPT_CONTEXT),
  )
  if (!sure) throw new PromptAborted('aborted: no token was created')
}

/** The token about to be made, as the person will review it (stored text escaped, as all human output is). */
function review(ctx: Context, start: PromptStart, chosen: PromptedToken): string {
  const account = ctx.store.read(() => requireSeenAccount(ctx, chosen.account))
  const ttlSeconds = chosen.ttlSeconds ?? start.ttlSeconds ?? DEFAULT_TTL_SECONDS[start.type]
  const label = chosen.label ?? start.label
  const grants = chosen.role
    ? [`  grants:  role ${chosen.role}`]
    : ['  grants:', ...stringify(chosen.grants, {aliasDuplicateObjects: false}).trimEnd().split('\n').map((line) => `    ${line}`)]
  return [
    'The token to create:',
    `  type:    ${start.type}`,
    `  account: ${account.name} (${account.id})`,
    ...grants,
    `  ttl:     ${formatTtl(ttlSeconds)}`,
    `  label:   ${label ?? '(none)'}`,
  ]
    .map((line) => escapeControl(line))
    .join('\n')
}

