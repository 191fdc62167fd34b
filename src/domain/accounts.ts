import {type ListQuery, orderByClause, validateGlob} from '../core/list-query.js'
import {newId, nowIso} from '../core/ids.js'
import {
  accountNameClash,
  accountNameKey,
  accountNameSpellings,
  EVERYONE_GROUP,
  isAccountId,
  preview,
  validateAccountId,
  validateAccountName,
  validateAccountNameLookup,
} from '../core/names.js'
import {ConflictError, NotFoundError, UsageError} from '../errors.js'
import type {Db} from '../store/store.js'
import {mutate} from './audit.js'
import {type Operation, requireGlobalAdmin, requireOwnAccountOrGlobalAdmin, requireSeen} from './access.js'
import {type Context, type Page, type PageOf, pageOf} from './context.js'
import {requireGroup} from './groups.js'
import {advanceTokenGeneration, revokeAccountRecordedTokens, revokeRecordedDescendants} from './token-lineage.js'

export interface Account {
  id: string
  name: string
  createdAt: string
}

export interface AccountDetails extends Account {
  groups: string[]
  /** Recorded tokens that are neither revoked nor expired. */
  activeTokenCount: number
}

interface AccountRow {
  id: string
  name: string
  created_at: string
}

const toAccount = (row: AccountRow): Account => ({id: row.id, name: row.name, createdAt: row.created_at})

/** `id` brings an account over with the id its tokens carry (`apply`); new accounts otherwise get a fresh one. */
export function createAccount(ctx: Context, input: {name: string; groups?: string[]; id?: string}): Account {
  const name = validateAccountName(input.name)
  if (input.id !== undefined) validateAccountId(input.id)
  const groups = [...new Set(input.groups ?? [])]
  if (groups.includes(EVERYONE_GROUP)) {
    throw new UsageError(`every account is in '${EVERYONE_GROUP}' already; it takes no explicit members`)
  }

  return mutate(ctx, 'accounts.create', (account) => `account:${account.id}`, () => {
    requireGlobalAdmin(ctx, {function: 'create', resource: 'accounts', action: 'accounts.create'})
    const {db} = ctx.store
    for (const group of groups) requireGroup(db, group)
    const key = accountNameKey(name)
    const clash = findNameClash(db, name, key)
    if (clash !== undefined) throw new ConflictError(accountNameClash(name, clash))
    if (input.id !== undefined && findAccountById(db, input.id)) throw new ConflictError(`an account with id ${input.id} already exists`)
    const account: Account = {id: input.id ?? newId(), name, createdAt: nowIso()}
    db.prepare('INSERT INTO accounts (id, name, name_key, created_at) VALUES (?, ?, ?, ?)').run(account.id, account.name, key, account.createdAt)
    const addMember = db.prepare('INSERT INTO group_members (group_name, account_id, added_at) VALUES (?, ?, ?)')
    for (const group of groups) addMember.run(group, account.id, account.createdAt)
    return account
  })
}

/**
 * The stored name a new name (in NFC) collides with: the same name, or one with the same key (accountNameKey), so
 * that names differing only in case or in look-alike forms are one. Stores may hold such pairs from before the key;
 * they are kept, and the first found is named.
 */
export function findNameClash(db: Db, name: string, key: string): string | undefined {
  return db.prepare('SELECT name FROM accounts WHERE name = ? OR name_key = ? ORDER BY name = ? DESC, created_at LIMIT 1').pluck().get(name, key, name) as
    | string
    | undefined
}

export function findAccountById(db: Db, id: string): Account | undefined {
  const row = db.prepare('SELECT id, name, created_at FROM accounts WHERE id = ?').get(id) as AccountRow | undefined
  return row && toAccount(row)
}

/** The account of this exact name, or of its NFC form (names are stored in NFC; older ones as they were given). */
export function findAccountByName(db: Db, name: string): Account | undefined {
  const byName = db.prepare('SELECT id, name, created_at FROM accounts WHERE name = ?')
  for (const spelling of accountNameSpellings(name)) {
    const row = byName.get(spelling) as AccountRow | undefined
    if (row) return toAccount(row)
  }

  return undefined
}

export function requireAccountById(db: Db, id: string): Account {
  validateAccountId(id)
  const account = findAccountById(db, id)
  if (!account) throw new NotFoundError(`no account with id ${id}`)
  return account
}

const accountNotFound = (idOrName: string) =>
  new NotFoundError(`no account with id or name '${preview(idOrName)}'`, {lookup: {kind: 'account', typed: idOrName}})

/** Resolves an account given by id or by name: ids win, because names may look like anything. */
export function requireAccount(db: Db, idOrName: string): Account {
  const account = (isAccountId(idOrName) && findAccountById(db, idOrName)) || findAccountByName(db, idOrName)
  if (!account) throw accountNotFound(idOrName)
  return account
}

/**
 * An account the caller may see, by id or by name: a token sees its own account and, as `accounts get` does, the
 * accounts its account and grants let it read; any other answers exactly as a missing one (exit 4).
 */
export function requireSeenAccount(ctx: Context, idOrName: string): Account {
  const account = requireAccount(ctx.store.db, idOrName)
  requireAccountSeen(ctx, account, () => accountNotFound(idOrName))
  return account
}

/** Refuses an account the caller may not see with `notFound`, the answer a missing account gets where it was named. */
export function requireAccountSeen(ctx: Context, account: Account, notFound: () => NotFoundError): void {
  const {caller} = ctx
  if (caller.kind !== 'token' || caller.accountId === account.id) return
  requireSeen(() => requireAccountReadable(ctx, account), notFound)
}

/** Whether the caller may see the account (see requireSeenAccount). */
export function seesAccount(ctx: Context, accountId: string): boolean {
  const account = findAccountById(ctx.store.db, accountId)
  if (!account) return false
  try {
    requireAccountSeen(ctx, account, () => accountNotFound(accountId))
    return true
  } catch (error) {
    if (error instanceof NotFoundError) return false
    throw error
  }
}

/**
 * The id of an account named by id or by name, for the commands whose domain functions take ids. An id that names
 * no account is handed back as it is, so that the domain refuses it as it always has (after its permission check).
 */
export function resolveAccountId(db: Db, idOrName: string): string {
  if (isAccountId(idOrName) && findAccountById(db, idOrName)) return idOrName
  const named = findAccountByName(db, idOrName)
  if (named) return named.id
  if (isAccountId(idOrName)) return idOrName
  throw new NotFoundError(`no account with id or name '${preview(idOrName)}'`)
}

export function getAccount(ctx: Context, by: {id?: string; name?: string}): AccountDetails {
  return ctx.store.read(() => {
    const {db} = ctx.store
    let account: Account | undefined
    const notFound = () =>
      by.id === undefined
        ? new NotFoundError(`no account named '${preview(by.name ?? '')}'`, {lookup: {kind: 'account', typed: by.name ?? ''}})
        : new NotFoundError(`no account with id ${by.id}`)
    if (by.id === undefined) {
      account = findAccountByName(db, validateAccountNameLookup(by.name ?? ''))
      if (!account) throw notFound()
    } else {
      account = requireAccountById(db, by.id)
    }

    requireAccountSeen(ctx, account, notFound)
    requireAccountReadable(ctx, account)

    const groups = db
      .prepare('SELECT group_name FROM group_members WHERE account_id = ? ORDER BY group_name')
      .pluck()
      .all(account.id) as string[]
    const activeTokenCount = db
      .prepare('SELECT count(*) FROM tokens WHERE account_id = ? AND revoked_at IS NULL AND expires_at > ?')
      .pluck()
      .get(account.id, nowIso()) as number
    return {...account, groups: [EVERYONE_GROUP, ...groups], activeTokenCount}
  })
}

/** The fields `accounts list --sort` takes. Name and id walk their unique indexes; created sorts every match. */
export const ACCOUNT_SORT_COLUMNS = {name: 'a.name', id: 'a.id', created: 'a.created_at'} as const

export function listAccounts(ctx: Context, filter: Page & ListQuery & {group?: string}): PageOf<Account> {
  const orderBy = orderByClause(ACCOUNT_SORT_COLUMNS, filter, 'name', 'a.id')
  const name = filter.name === undefined ? null : validateGlob(filter.name)
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, {function: 'get', resource: 'accounts', action: 'accounts.list'})
    const {db} = ctx.store
    if (filter.group === undefined || filter.group === EVERYONE_GROUP) {
      const rows = db
        .prepare(`SELECT a.id, a.name, a.created_at FROM accounts a WHERE (:name IS NULL OR a.name GLOB :name) ORDER BY ${orderBy} LIMIT :limit OFFSET :offset`)
        .iterate({name, limit: filter.limit + 1, offset: filter.offset}) as IterableIterator<AccountRow>
      return pageOf(rows, filter, toAccount)
    }

    requireGroup(db, filter.group)
    const rows = db
      .prepare(
        `SELECT a.id, a.name, a.created_at FROM group_members m JOIN accounts a ON a.id = m.account_id
         WHERE m.group_name = :group AND (:name IS NULL OR a.name GLOB :name) ORDER BY ${orderBy} LIMIT :limit OFFSET :offset`,
      )
      .iterate({group: filter.group, name, limit: filter.limit + 1, offset: filter.offset}) as IterableIterator<AccountRow>
    return pageOf(rows, filter, toAccount)
  })
}

/** What `accounts list -o wide` adds to each account listed: its groups ('everyone' included) and active recorded tokens. */
export interface AccountCounts {
  groups: number
  activeTokens: number
}

/** The counts of accounts a list has shown (so the caller may list accounts), looked up only when asked for. */
export function countsOfAccounts(ctx: Context, ids: readonly string[]): Map<string, AccountCounts> {
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, {function: 'get', resource: 'accounts', action: 'accounts.list'})
    const groups = ctx.store.db.prepare('SELECT count(*) FROM group_members WHERE account_id = ?').pluck()
    const tokens = ctx.store.db.prepare('SELECT count(*) FROM tokens WHERE account_id = ? AND revoked_at IS NULL AND expires_at > ?').pluck()
    const now = nowIso()
    return new Map(ids.map((id) => [id, {groups: 1 + (groups.get(id) as number), activeTokens: tokens.get(id, now) as number}]))
  })
}

export interface OwnedObjects {
  services: number
  infrastructures: number
  deployments: number
}

export interface AccountDeletion {
  account: Account
  revokedTokens: number
  /** Recorded tokens of other accounts minted from this account's tokens; they end with it. */
  revokedDescendants: number
  removedMemberships: number
  transferredTo: Account | null
  transferred: OwnedObjects
}

function ownedObjects(db: Db, accountId: string): OwnedObjects {
  const count = (table: string) =>
    db.prepare(`SELECT count(*) FROM ${table} WHERE owner_account_id = ?`).pluck().get(accountId) as number
  return {services: count('services'), infrastructures: count('infrastructures'), deployments: count('deployments')}
}

const deletion = (id: string): Operation => ({
  function: 'delete',
  resource: 'accounts',
  account: id,
  entity: id,
  action: 'accounts.delete',
  target: `account:${id}`,
})

/** Finds the account to delete, to name it in the confirmation; refused (and audited) as the deletion it is for. */
export function findAccountToDelete(ctx: Context, id: string): Account {
  validateAccountId(id)
  return ctx.store.read(() => {
    requireGlobalAdmin(ctx, deletion(id))
    return requireAccountById(ctx.store.db, id)
  })
}

/**
 * Deletes an account: its memberships go, its tokens are marked revoked (and every token minted from one of them
 * ends, since its ancestor's account is gone), and what it owns either blocks the deletion or moves to the
 * `transferTo` account.
 */
export function deleteAccount(ctx: Context, input: {id: string; transferTo?: string}): AccountDeletion {
  validateAccountId(input.id)
  const operation = deletion(input.id)
  return mutate(ctx, operation, () => {
    const {db} = ctx.store
    requireGlobalAdmin(ctx, operation)
    const account = requireAccountById(db, input.id)
    const owned = ownedObjects(db, account.id)
    const ownsSomething = owned.services + owned.infrastructures + owned.deployments > 0
    let transferredTo: Account | null = null
    if (input.transferTo !== undefined) {
      transferredTo = requireAccount(db, input.transferTo)
      if (transferredTo.id === account.id) {
        throw new UsageError('--transfer-to must name another account than the one being deleted')
      }
    }

    if (ownsSomething && !transferredTo) {
      throw new ConflictError(
        `account '${preview(account.name)}' still owns ${describeOwned(owned)}`,
        {hint: 'Pass --transfer-to ACCOUNT to hand them to another account, or delete them first.'},
      )
    }

    if (transferredTo) {
      for (const table of ['services', 'infrastructures', 'deployments']) {
        db.prepare(`UPDATE ${table} SET owner_account_id = ? WHERE owner_account_id = ?`).run(transferredTo.id, account.id)
      }
    }

    const revokedAt = nowIso()
    // Its tokens stay revoked for good: the generation outlives the account row, so an account created later with
    // this id (by `apply` of an old export, say) does not bring them back.
    advanceTokenGeneration(db, account.id)
    const revokedTokens = revokeAccountRecordedTokens(db, account.id, revokedAt)
    const revokedDescendants = revokeRecordedDescendants(db, revokedAt, {accountId: account.id})
    const removedMemberships = db.prepare('DELETE FROM group_members WHERE account_id = ?').run(account.id).changes
    db.prepare('DELETE FROM accounts WHERE id = ?').run(account.id)
    return {
      account,
      revokedTokens,
      revokedDescendants,
      removedMemberships,
      transferredTo,
      transferred: transferredTo ? owned : {services: 0, infrastructures: 0, deployments: 0},
    }
  })
}

function describeOwned(owned: OwnedObjects): string {
  const parts = Object.entries(owned)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${n === 1 ? kind.replace(/ies$/, 'y').replace(/s$/, '') : kind}`)
  return parts.join(', ')
}

function requireAccountReadable(ctx: Context, account: Account): void {
  const attempt = {
    function: 'get',
    resource: 'accounts',
    account: account.id,
    entity: account.id,
    action: 'accounts.get',
    target: `account:${account.id}`,
  }
  requireOwnAccountOrGlobalAdmin(ctx, attempt)
}
