import {Flags} from '@oclif/core'

import {type ListQuery, MAX_GLOB_CHARACTERS, type SortColumns, validateGlob} from '../core/list-query.js'

/**
 * The flags every list shares beyond --limit/--offset, so that they read the same everywhere. `--sort` is an
 * option over the list's own fields (a field not among them is exit 2 naming the valid ones) and `--order` its
 * direction, as gh has them; `--name` is a glob; `--no-headers` drops the table's header line and is ignored with
 * --json, whose document has no header.
 */
export interface ListFlagsSpec {
  /** What `--name` matches, for its description: "the account's name", "the service id". */
  matches: string
  columns: SortColumns
  defaultSort: string
  /** Said in --sort's description when sorting by a field reads every row before the first page. */
  fullScan?: readonly string[]
}

export function listFlags(spec: ListFlagsSpec) {
  const scans = spec.fullScan && spec.fullScan.length > 0 ? ` Sorting by ${spec.fullScan.join(' or ')} reads every matching row to sort it before the page is cut.` : ''
  return {
    name: Flags.string({
      description: `Only rows whose ${spec.matches} matches this shell glob: * any text, ? one character, [abc] one of a set, [^abc] none of it; case-sensitive (1-${MAX_GLOB_CHARACTERS} characters).`,
      parse: async (input: string) => validateGlob(input),
    }),
    sort: Flags.option({
      description: `The field to sort by (default: ${spec.defaultSort}); rows with equal values follow their unique key.${scans}`,
      options: Object.keys(spec.columns),
    })(),
    order: Flags.option({description: 'The sort direction (default: asc).', options: ['asc', 'desc'] as const})(),
    'no-headers': Flags.boolean({description: 'Print the table without its header line (only a terminal shows one; ignored with --json).'}),
  }
}

/** The query the list flags ask for, as the domain's list functions take it. */
export function listQueryOf(flags: {name?: string; sort?: string; order?: 'asc' | 'desc'}): ListQuery {
  return {name: flags.name, sort: flags.sort, order: flags.order}
}
