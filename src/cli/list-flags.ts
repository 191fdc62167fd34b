import {Flags} from '@oclif/core'

import {type ListQuery, MAX_GLOB_CHARACTERS, type SortColumns, validateGlob} from '../core/list-query.js'

/**
 * The flags every list shares beyond --limit/--offset, so that they read the same everywhere. `--sort` is an
 * option over the list's own fields (a field not among them is exit 2 naming the valid ones) and `--order` its
 * direction, as gh has them; `--name` and `--label` are globs; `--no-headers` drops the table's header line and is
 * ignored with --json, whose document has no header.
 */
export interface SortFlagsSpec {
  /** The list's sortable fields: the keys are what --sort takes. */
  columns: SortColumns | Readonly<Record<string, unknown>>
  defaultSort: string
  /** The lists shown newest first say so: their default sort reads descending (core/list-query newestFirstUnlessSorted). */
  newestFirst?: boolean
  /** Said in --sort's description when sorting by a field reads every row before the first page. */
  fullScan?: readonly string[]
  /** Flags that leave no order to choose (audit list --follow prints rows as they are written): exit 2 with them. */
  exclusive?: string[]
}

export interface ListFlagsSpec extends SortFlagsSpec {
  /** What `--name` matches, for its description: "the account's name", "the service id". */
  matches: string
}

/** `--name`, `--label` or another glob flag on one field of the rows, checked before the store is opened. */
export function globFlag(flag: string, matches: string) {
  return Flags.string({
    description: `Only rows whose ${matches} matches this shell glob: * any text, ? one character, [abc] one of a set, [^abc] none of it; case-sensitive (1-${MAX_GLOB_CHARACTERS} characters).`,
    parse: async (input: string) => validateGlob(input, `--${flag}`),
  })
}

/** --sort, --order and --no-headers, for a list with no name to match or whose glob flag is not --name. */
export function sortFlags(spec: SortFlagsSpec) {
  const scans = spec.fullScan && spec.fullScan.length > 0 ? ` Sorting by ${spec.fullScan.join(' or ')} reads every matching row to sort it before the page is cut.` : ''
  return {
    sort: Flags.option({
      description: `The field to sort by (default: ${spec.defaultSort}); rows with equal values follow their unique key.${scans}`,
      options: Object.keys(spec.columns),
      exclusive: spec.exclusive,
    })(),
    order: Flags.option({description: spec.newestFirst ? 'The sort direction (default: asc; without --sort, desc: newest first).' : 'The sort direction (default: asc).', options: ['asc', 'desc'] as const, exclusive: spec.exclusive})(),
    'no-headers': Flags.boolean({description: 'Print the table without its header line (only a terminal shows one; ignored with --json).'}),
  }
}

export function listFlags(spec: ListFlagsSpec) {
  return {name: globFlag('name', spec.matches), ...sortFlags(spec)}
}

/** The query the list flags ask for, as the domain's list functions take it. */
export function listQueryOf(flags: {name?: string; label?: string; sort?: string; order?: 'asc' | 'desc'}): ListQuery {
  return {name: flags.name, label: flags.label, sort: flags.sort, order: flags.order}
}
