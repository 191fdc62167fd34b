import {Flags} from '@oclif/core'

/** `-i ID`, repeatable and comma-separated, so one command can name many accounts. */
export const accountIdsFlag = Flags.string({
  char: 'i',
  description: 'Account id. Repeat the flag or separate ids with commas to name several accounts.',
  multiple: true,
  required: true,
})

export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '')
}
