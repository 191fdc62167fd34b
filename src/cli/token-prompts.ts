import {checkbox, confirm, input, select} from '@inquirer/prompts'

import {FUNCTIONS, type Grant, RESOURCES, WILDCARD} from '../core/grants.js'
import {ROLES} from '../core/roles.js'
import {PROMPT_CONTEXT, PromptAborted} from './prompts.js'

/** What the person at the terminal chose when `tokens create` was given no role, grant flags or config. */
export type PromptedGrants = {role: string} | {grants: Grant[]}

const CUSTOM = 'custom'
const splitComma = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '')

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

export async function promptAccount(): Promise<string> {
  return ask(() =>
    input({message: 'Account id (or name) the token is for:', required: true, validate: (v) => v.trim() !== '' || 'required'}, PROMPT_CONTEXT),
  )
}

/** A role, or custom grants built from checkboxes; an Admin-strength choice is confirmed first. */
export async function promptGrants(accountId: string): Promise<PromptedGrants> {
  const choice = await ask(() =>
    select(
      {
        message: 'What may the token do?',
        choices: [
          ...ROLES.map((role) => ({name: role.name, value: role.name, description: role.description})),
          {name: 'Custom grants', value: CUSTOM, description: 'Pick functions and resources, then name the accounts.'},
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
  const functions = await ask(() =>
    checkbox({message: 'Functions:', choices: [WILDCARD, ...FUNCTIONS].map((value) => ({value})), required: true, validate: required}, PROMPT_CONTEXT),
  )
  const resources = await ask(() =>
    checkbox({message: 'Resources:', choices: [WILDCARD, ...RESOURCES].map((value) => ({value})), required: true, pageSize: 12, validate: required}, PROMPT_CONTEXT),
  )
  const accounts = await ask(() =>
    input({message: 'In accounts (ids or names, comma-separated; public and * allowed):', default: accountId}, PROMPT_CONTEXT),
  )
  const grant: Grant = {functions, resources, accounts: splitComma(accounts), entities: []}
  if (functions.includes(WILDCARD) && resources.includes(WILDCARD) && grant.accounts.includes(WILDCARD)) await confirmAdmin()
  return {grants: [grant]}
}

async function confirmAdmin(): Promise<void> {
  const sure = await ask(() =>
    confirm({message: 'This token may do anything in every account. Create it?', default: false}, PROMPT_CONTEXT),
  )
  if (!sure) throw new PromptAborted('aborted: no token was created')
}
