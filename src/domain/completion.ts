import {type Candidate, MAX_CANDIDATES, type NameKind, prefixGlob} from '../core/completion.js'
import {isAccountId} from '../core/names.js'
import {DeniedError, NotFoundError} from '../errors.js'
import {findAccountById, listAccounts} from './accounts.js'
import type {Context} from './context.js'
import {listDeployments} from './deployments.js'
import {listGroups} from './groups.js'
import {listInfras} from './infrastructures.js'
import {listServices} from './services.js'

/**
 * The names of one kind that begin with `prefix`, among those the caller may list, through the lists' own
 * functions (so completion can never offer what `list` would not show). A caller that may not list a kind gets
 * none of it, except its own account, which a token's account may always see.
 */
export function completeNames(ctx: Context, kind: NameKind, prefix: string, namesOnly: boolean): Candidate[] {
  const page = {limit: MAX_CANDIDATES, offset: 0, name: prefixGlob(prefix)}
  try {
    switch (kind) {
      case 'service': {
        return listServices(ctx, page).items.map((service) => ({value: service.id, description: service.public ? 'public' : undefined}))
      }

      case 'infrastructure': {
        return listInfras(ctx, page).items.map((infra) => ({value: infra.id, description: infra.stage}))
      }

      case 'deployment': {
        return listDeployments(ctx, page).items.map((deployment) => ({
          value: deployment.id,
          description: `${deployment.service} on ${deployment.infrastructure}`,
        }))
      }

      case 'group': {
        return listGroups(ctx, page).items.map((group) => ({value: group.name}))
      }

      case 'account': {
        return completeAccounts(ctx, prefix, namesOnly)
      }
    }
  } catch (error) {
    if (error instanceof DeniedError || error instanceof NotFoundError) return []
    throw error
  }
}

/** Names (described by their ids), and ids once one is being typed (described by their names). */
function completeAccounts(ctx: Context, prefix: string, namesOnly: boolean): Candidate[] {
  let accounts: Array<{id: string; name: string}>
  try {
    accounts = listAccounts(ctx, {limit: MAX_CANDIDATES, offset: 0, name: prefixGlob(prefix)}).items
    if (!namesOnly && isAccountIdPrefix(prefix)) {
      const byId = ctx.store.read(
        () =>
          ctx.store.db
            .prepare('SELECT id, name FROM accounts WHERE id GLOB ? ORDER BY id LIMIT ?')
            .all(prefixGlob(prefix), MAX_CANDIDATES) as Array<{id: string; name: string}>,
      )
      return [...accounts.map(nameCandidate), ...byId.map((account) => ({value: account.id, description: account.name}))]
    }
  } catch (error) {
    if (!(error instanceof DeniedError)) throw error
    // Only global administrators list accounts; a token's own account is always its own to name.
    const own = ctx.caller.kind === 'token' ? findAccountById(ctx.store.db, ctx.caller.accountId) : undefined
    if (!own) return []
    const candidates = own.name.startsWith(prefix) ? [nameCandidate(own)] : []
    if (!namesOnly && isAccountIdPrefix(prefix) && own.id.startsWith(prefix)) candidates.push({value: own.id, description: own.name})
    return candidates
  }

  return accounts.map(nameCandidate)
}

const nameCandidate = (account: {id: string; name: string}): Candidate => ({value: account.name, description: account.id})

/** Ids are offered once one is being typed: with nothing typed, names are what a person picks from. */
function isAccountIdPrefix(prefix: string): boolean {
  return prefix !== '' && isAccountId(prefix.padEnd(32, '0'))
}
