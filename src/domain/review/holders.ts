import {ACCOUNTS_SHOWN, type AccountRef, type Holder, type Holders, type ReviewGroup, type Via} from '../../core/review.js'
import {EVERYONE_GROUP} from '../../core/names.js'
import type {Db} from '../../store/store.js'

/**
 * Groups and the accounts they give something to. Each list is bounded: the first ACCOUNTS_SHOWN accounts by name,
 * with the count of all, so the review stays small however large the groups (as `groups get` shows a group).
 */

interface GroupRow {
  name: string
  is_admin: number
  may_create_services: number
}

/** Every group with its global privileges, by name. */
export function groupFlags(db: Db): Map<string, {admin: boolean; mayCreateServices: boolean}> {
  const rows = db.prepare('SELECT name, is_admin, may_create_services FROM groups ORDER BY name').all() as GroupRow[]
  return new Map(rows.map((row) => [row.name, {admin: row.is_admin === 1, mayCreateServices: row.may_create_services === 1}]))
}

/**
 * The groups named, by name, each read as it is consumed (inside the read transaction, once), with their members (the first ACCOUNTS_SHOWN by name) and how many they have. The counts come
 * from one pass over the memberships; the members are asked for a group at a time, which on a store of 1,000 groups
 * and 100,000 members cost less than one query ranking every membership by name (the join to accounts is the same,
 * and a query per group sorts a hundred names rather than all of them).
 */
export function* reviewGroups(db: Db, names: readonly string[], flags: ReturnType<typeof groupFlags>): Generator<ReviewGroup> {
  const counts = new Map(
    db
      .prepare('SELECT group_name, count(*) FROM group_members WHERE group_name IN (SELECT value FROM json_each(?)) GROUP BY group_name')
      .raw()
      .all(JSON.stringify(names)) as Array<[string, number]>,
  )
  const members = db.prepare(
    `SELECT a.id, a.name FROM group_members m JOIN accounts a ON a.id = m.account_id
     WHERE m.group_name = ? ORDER BY a.name LIMIT ${ACCOUNTS_SHOWN}`,
  )
  for (const name of [...names].sort()) {
    const group = flags.get(name) ?? {admin: false, mayCreateServices: false}
    if (name === EVERYONE_GROUP) {
      yield {name, ...group, memberCount: null, members: []}
      continue
    }

    const memberCount = counts.get(name) ?? 0
    yield {name, ...group, memberCount, members: memberCount === 0 ? [] : (members.all(name) as AccountRef[])}
  }
}

/**
 * The accounts that hold something through any of `via`: every account when `everyone` is among them, else the
 * members of those groups, each with the groups it holds it through.
 */
export function holdersThrough(db: Db, via: readonly Via[]): Holders {
  const sorted = [...via].sort((a, b) => Number(b.globalAdmin) - Number(a.globalAdmin) || a.group.localeCompare(b.group))
  if (sorted.some((v) => v.group === EVERYONE_GROUP)) return {via: sorted, everyone: true, accountCount: null, accounts: []}
  if (sorted.length === 0) return {via: sorted, everyone: false, accountCount: 0, accounts: []}
  const groups = JSON.stringify([...new Set(sorted.map((v) => v.group))])
  const accountCount = db
    .prepare('SELECT count(DISTINCT account_id) FROM group_members WHERE group_name IN (SELECT value FROM json_each(?))')
    .pluck()
    .get(groups) as number
  const rows = db
    .prepare(
      `SELECT a.id, a.name, json_group_array(m.group_name) AS groups FROM accounts a
       JOIN group_members m ON m.account_id = a.id AND m.group_name IN (SELECT value FROM json_each(?))
       GROUP BY a.id ORDER BY a.name LIMIT ${ACCOUNTS_SHOWN}`,
    )
    .all(groups) as Array<AccountRef & {groups: string}>
  const accounts = rows.map((row): Holder => {
    const theirs = new Set(JSON.parse(row.groups) as string[])
    return {id: row.id, name: row.name, via: sorted.filter((v) => theirs.has(v.group))}
  })
  return {via: sorted, everyone: false, accountCount, accounts}
}
