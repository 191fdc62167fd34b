import {UsageError} from '../errors.js'
import {preview} from './text.js'

/** Account names are stored literally, whatever they hold; only their length is checked. */
export const MAX_ACCOUNT_NAME_LENGTH = 254

const ACCOUNT_ID = /^[0-9a-f]{32}$/
const GROUP_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/

export const EVERYONE_GROUP = 'everyone'

/** Length in characters (code points), so a name of 254 emoji is as valid as 254 letters. */
function characterCount(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/** Why `name` cannot be an account name, or undefined when it can: the one rule for commands and imports. */
export function accountNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an account name cannot be empty'
  // A name of no more UTF-16 units than the cap has no more characters either: most names are counted no further.
  if (name.length <= MAX_ACCOUNT_NAME_LENGTH) return undefined
  const length = characterCount(name)
  return length > MAX_ACCOUNT_NAME_LENGTH
    ? `an account name has at most ${MAX_ACCOUNT_NAME_LENGTH} characters; this one has ${length}`
    : undefined
}

export function validateAccountName(name: string): string {
  const problem = accountNameProblem(name)
  if (problem !== undefined) throw new UsageError(problem)
  return name
}

export function isAccountId(text: string): boolean {
  return ACCOUNT_ID.test(text)
}

export function validateAccountId(id: string): string {
  if (!isAccountId(id)) {
    throw new UsageError(`'${preview(id)}' is not an account id: an id is 32 lowercase hexadecimal characters`)
  }

  return id
}

export function validateGroupName(name: string): string {
  if (!GROUP_NAME.test(name)) {
    throw new UsageError(
      `'${preview(name)}' is not a valid group name: use 1-63 of a-z 0-9 . _ -, starting with a letter or digit`,
    )
  }

  return name
}

// The domain quotes names back with it, from here.
export {preview}
