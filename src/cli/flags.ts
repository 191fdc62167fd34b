import {Flags} from '@oclif/core'

import {parseTtl} from '../core/ttl.js'
import {resolveAccountId} from '../domain/accounts.js'
import type {Context} from '../domain/context.js'
import {UsageError} from '../errors.js'

/**
 * The flags that several commands share, defined once so that they mean the same everywhere: `-i` is always the
 * account (by id or name), a label always has the same limits, a duration is always read the same way, and an
 * enumeration is a `Flags.option`, whose value is typed without a cast. The short letters are unique across all
 * commands (test/commands/short-flags.test.ts holds every command to that).
 */

/** `-i ACCOUNT`: one account, by id or by name (ids win when a name looks like one). Commands give the description. */
export const accountFlag = Flags.custom<string>({char: 'i', description: 'An account, by id or name.'})

/** `-i ACCOUNT`, repeatable and comma-separated, so one command can name many accounts, each by id or name. */
export const accountsFlag = Flags.string({
  char: 'i',
  description: 'An account, by id or name. Repeat the flag or separate accounts with commas to name several.',
  multiple: true,
  required: true,
})

/** The ids of accounts given by id or name (the -i flags), resolved in one read. */
export function accountIdsOf(ctx: Context, idsOrNames: readonly string[]): string[] {
  return ctx.store.read(() => idsOrNames.map((idOrName) => resolveAccountId(ctx.store.db, idOrName)))
}

export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '')
}

export const MAX_LABEL_CHARACTERS = 200
export const MAX_DESCRIPTION_CHARACTERS = 2000

function boundedText(name: string, max: number) {
  return async (input: string): Promise<string> => {
    if (input.trim() === '') throw new UsageError(`--${name} is empty`, {hint: `Give --${name} some text, or leave the flag out.`})
    const length = [...input].length
    if (length > max) throw new UsageError(`--${name} has at most ${max} characters; this one has ${length}`)
    return input
  }
}

/** `--label`: a short name shown in lists; 1-200 characters, not only spaces. */
export function labelFlag(description: string) {
  return Flags.string({description: `${description} (1-${MAX_LABEL_CHARACTERS} characters).`, parse: boundedText('label', MAX_LABEL_CHARACTERS)})
}

/** `--description`: what a key is for; 1-2000 characters. */
export function descriptionFlag(description: string) {
  return Flags.string({
    description: `${description} (1-${MAX_DESCRIPTION_CHARACTERS} characters).`,
    parse: boundedText('description', MAX_DESCRIPTION_CHARACTERS),
  })
}

/** A duration like 30m, 12h or 90d, given in seconds; `name` is the flag, for messages. */
export function durationFlag(name: string, description: string) {
  return Flags.custom<number>({description, parse: async (input) => parseTtl(input, `--${name}`)})()
}
