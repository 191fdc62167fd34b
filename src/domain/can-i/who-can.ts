import {INFRA_PRIVILEGES, infraGrantsGiving, type InfraPrivilege, SERVICE_PRIVILEGES, serviceGrantsGiving, type ServicePrivilege} from '../../core/deployer.js'
import {EVERYONE_GROUP} from '../../core/names.js'
import type {Db} from '../../store/store.js'
import {findAccountById} from '../accounts.js'
import {requireGlobalAdmin} from '../access.js'
import {type Context, type Page, type PageOf, pageOf} from '../context.js'
import {deploymentNotFound, infraNotFound, serviceNotFound} from '../object-access.js'
import {type Plan, planOf} from './checks.js'
import type {CanIAction, CanIQuestion} from './question.js'

/**
 * `auth who-can`: every account for which `auth can-i --as ACCOUNT` says yes, worked out set-wise in SQL instead of
 * asking can-i once per account. The question is planned by can-i's own planOf, so the two read the same needs; each
 * need is then solved for the accounts that hold it, with the rules of core/deployer.ts as object-access.ts applies
 * them: a privilege is held by the members of a group whose row on the object grants something implying it (every
 * account, for `everyone`), by the members of a global-admin group, and on a service by its owner. An action with
 * two needs (a deployment: its service AND its infrastructure) is the intersection of their holders.
 */

/** One privilege the action needs, and everything that gives it: the owner, and the groups with what each holds. */
export interface NeedHolders {
  kind: 'service' | 'infrastructure' | 'global'
  id: string | null
  privilege: string
  /** The account that owns the service (it holds admin on it); null for an infrastructure, a global need, or none. */
  owner: string | null
  ownerName: string | null
  /** Groups whose members hold it, with what the group holds that gives it (`global admin`, `may-create-services`, or its row's privileges). */
  groups: Array<{group: string; privileges: string[]}>
}

export interface WhoCanAccount {
  id: string
  name: string
  /** For each needed privilege, what gives it to this account: `owner of it`, or a group and what it holds. */
  via: Array<{kind: NeedHolders['kind']; id: string | null; privilege: string; through: string[]}>
}

export interface WhoCanAnswer extends PageOf<WhoCanAccount> {
  action: CanIAction
  target: string
  needs: NeedHolders[]
}

const GLOBAL_ADMIN = 'global admin'

/**
 * Who may ask is who may ask can-i about another account (the operator, an admin key, a global administrator's
 * token): the answer names accounts and their standing. It is decided before a missing object is reported, so a
 * caller refused cannot learn from the exit code whether the object exists.
 */
export function whoCan(ctx: Context, question: Omit<CanIQuestion, 'as'>, page: Page): WhoCanAnswer {
  return ctx.store.read(() => {
    const {db} = ctx.store
    const plan = planOf(db, question)
    requireGlobalAdmin(ctx, {function: 'get', resource: 'accounts', action: 'auth.who-can', target: plan.target})
    requireObjects(plan, question)
    const needs = plan.needs.map((need) => holdersOf(db, need, plan.objects))
    const accounts = accountsHoldingAll(db, needs, page)
    return {action: question.action, target: plan.target, needs, ...accounts, items: explained(db, needs, accounts.items)}
  })
}

/** An object that is not there is exit 4 here: the caller sees every object, so saying so reveals nothing. */
function requireObjects(plan: Plan, question: Omit<CanIQuestion, 'as'>): void {
  if (question.target.kind === 'deployment' && plan.needs.length === 0) {
    throw deploymentNotFound(question.target.id!)
  }

  for (const need of plan.needs) {
    if (need.kind === 'global' || plan.objects.some((object) => object.kind === need.kind && object.id === need.id)) continue
    throw need.kind === 'service' ? serviceNotFound(need.id!) : infraNotFound(need.id!)
  }
}

function holdersOf(db: Db, need: Plan['needs'][number], objects: Plan['objects']): NeedHolders {
  const admins = (db.prepare('SELECT name FROM groups WHERE is_admin = 1 ORDER BY name').pluck().all() as string[]).map((group) => ({
    group,
    privileges: [GLOBAL_ADMIN],
  }))
  const base = {kind: need.kind, id: need.id, privilege: need.privilege, owner: null, ownerName: null}
  if (need.kind === 'global') {
    if (need.privilege === 'admin') return {...base, kind: 'global', groups: admins}
    const creators = db.prepare('SELECT name FROM groups WHERE may_create_services = 1 AND is_admin = 0 ORDER BY name').pluck().all() as string[]
    return {...base, kind: 'global', groups: [...admins, ...creators.map((group) => ({group, privileges: ['may-create-services']}))]}
  }

  // A plan's object needs are on services and infrastructures only: a deployment needs its two objects' privileges.
  const kind = need.kind === 'service' ? 'service' : 'infrastructure'
  const rows = need.kind === 'service' ? serviceRows(db, need.id!, need.privilege as ServicePrivilege) : infraRows(db, need.id!, need.privilege as InfraPrivilege)
  const owner = need.kind === 'service' ? (objects.find((object) => object.kind === 'service' && object.id === need.id)?.ownerAccountId ?? null) : null
  const ownerName = owner === null ? null : (findAccountById(db, owner)?.name ?? null)
  return {...base, kind, owner, ownerName, groups: mergeGroups([...admins, ...rows])}
}

/** The group rows on a service that give `privilege`, each with everything the row grants. */
function serviceRows(db: Db, serviceId: string, privilege: ServicePrivilege): NeedHolders['groups'] {
  const giving = serviceGrantsGiving(privilege).map((p) => `can_${p} = 1`).join(' OR ')
  const rows = db
    .prepare(`SELECT * FROM service_permissions WHERE service_id = ? AND (${giving}) ORDER BY group_name`)
    .all(serviceId) as Array<Record<string, unknown>>
  return rows.map((row) => ({group: row.group_name as string, privileges: SERVICE_PRIVILEGES.filter((p) => row[`can_${p}`] === 1)}))
}

function infraRows(db: Db, infraId: string, privilege: InfraPrivilege): NeedHolders['groups'] {
  const giving = infraGrantsGiving(privilege).map((p) => `can_${p} = 1`).join(' OR ')
  const rows = db
    .prepare(`SELECT * FROM infra_permissions WHERE infra_id = ? AND (${giving}) ORDER BY group_name`)
    .all(infraId) as Array<Record<string, unknown>>
  return rows.map((row) => ({group: row.group_name as string, privileges: INFRA_PRIVILEGES.filter((p) => row[`can_${p}`] === 1)}))
}

/** A global-admin group that also has a row on the object is listed once, with both. */
function mergeGroups(groups: NeedHolders['groups']): NeedHolders['groups'] {
  const merged = new Map<string, string[]>()
  for (const {group, privileges} of groups) merged.set(group, [...(merged.get(group) ?? []), ...privileges])
  return [...merged].map(([group, privileges]) => ({group, privileges}))
}

/**
 * The page of accounts holding every need, by name. A need given to `everyone` holds for all and adds no condition;
 * any other is the set of its holders (the members of the few groups that give it, and the owner), built once per
 * query from group_members' index: the cost follows how many accounts hold it, not the size of the store. Only when
 * every need is given to everyone are all accounts paged, by the name index.
 */
function accountsHoldingAll(db: Db, needs: NeedHolders[], page: Page): PageOf<{id: string; name: string}> {
  const conditions: string[] = []
  const params: unknown[] = []
  for (const need of needs) {
    const groups = need.groups.map((row) => row.group)
    if (groups.includes(EVERYONE_GROUP)) continue
    if (groups.length === 0 && need.owner === null) return {items: [], limit: page.limit, offset: page.offset, nextOffset: null}
    conditions.push('a.id IN (SELECT account_id FROM group_members WHERE group_name IN (SELECT value FROM json_each(?)) UNION ALL SELECT ?)')
    params.push(JSON.stringify(groups), need.owner)
  }

  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`
  const rows = db
    .prepare(`SELECT a.id, a.name FROM accounts a ${where} ORDER BY a.name LIMIT ? OFFSET ?`)
    .iterate(...params, page.limit + 1, page.offset) as IterableIterator<{id: string; name: string}>
  return pageOf(rows, page)
}

/**
 * Why each account of the page holds each need: its memberships among the groups that give it, and ownership.
 * Accounts that hold the needs the same way share one `via` (with `everyone`, all of them): a page of 10,000
 * accounts then allocates a handful of explanations, not 10,000.
 */
function explained(db: Db, needs: NeedHolders[], accounts: Array<{id: string; name: string}>): WhoCanAccount[] {
  const named = [...new Set(needs.flatMap((need) => need.groups.map((row) => row.group)))].filter((group) => group !== EVERYONE_GROUP)
  const groupsOf = new Map<string, Set<string>>()
  if (named.length > 0 && accounts.length > 0) {
    const memberships = db
      .prepare(
        `SELECT account_id, group_name FROM group_members
         WHERE account_id IN (SELECT value FROM json_each(?)) AND group_name IN (SELECT value FROM json_each(?))`,
      )
      .raw()
      .iterate(JSON.stringify(accounts.map((account) => account.id)), JSON.stringify(named)) as IterableIterator<[string, string]>
    for (const [account, group] of memberships) groupsOf.set(account, (groupsOf.get(account) ?? new Set()).add(group))
  }

  const labels = needs.map((need) => need.groups.map((row) => ({group: row.group, label: `${row.group} (${row.privileges.join(', ')})`})))
  const shared = new Map<string, WhoCanAccount['via']>()
  return accounts.map((account) => {
    const groups = groupsOf.get(account.id)
    const owns = needs.map((need) => need.owner === account.id)
    const key = `${owns.join(',')}\n${[...(groups ?? [])].sort().join('\n')}`
    let via = shared.get(key)
    if (!via) {
      via = needs.map((need, index) => ({
        kind: need.kind,
        id: need.id,
        privilege: need.privilege,
        through: [
          ...(owns[index] ? ['owner of it'] : []),
          ...labels[index].filter(({group}) => group === EVERYONE_GROUP || groups?.has(group)).map(({label}) => label),
        ],
      }))
      shared.set(key, via)
    }

    return {...account, via}
  })
}
