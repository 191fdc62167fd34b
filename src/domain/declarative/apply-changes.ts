import {INFRA_PRIVILEGES, SERVICE_PRIVILEGES} from '../../core/deployer.js'
import type {AccountRef, Change, PlannedChange} from '../../core/declarative/plan.js'
import {AccessctlError, DeniedError, StoreError} from '../../errors.js'
import {createAccount, deleteAccount} from '../accounts.js'
import {mutate} from '../audit.js'
import type {Context} from '../context.js'
import {createDeployment, deleteDeployment, setDeploymentAuth, setDeploymentEnabled, updateDeployment} from '../deployments.js'
import {addMembers, createGroup, deleteGroup, removeMembers, updateGroup} from '../groups.js'
import {createInfra, deleteInfra, removeInfraPermission, setInfraPermission, updateInfra} from '../infrastructures.js'
import {addVersion, deleteVersion} from '../service-versions.js'
import {
  createService,
  deleteService,
  loadServiceFor,
  removeServicePermission,
  setServicePermission,
  updateService,
} from '../services.js'

/**
 * Carrying out a plan of `apply`, change by change, through the same domain functions as the matching commands, so
 * each change is checked and audited exactly as that command would be. A refused change is collected, not thrown:
 * the caller (apply.ts) reports them all at once and rolls the whole apply back.
 */

export interface Refused {
  planned: PlannedChange
  error: AccessctlError
}

/** The object a change belongs to: once a change of it is refused, its later changes are not attempted. */
function rootOf(change: Change): string {
  switch (change.kind) {
    case 'service':
    case 'service-version':
    case 'service-permission': {
      return `service:${'service' in change ? change.service : change.target}`
    }

    case 'infrastructure':
    case 'infra-permission': {
      return `infrastructure:${'infra' in change ? change.infra : change.target}`
    }

    case 'membership': {
      return `group:${change.group}`
    }

    default: {
      return `${change.kind}:${change.target}`
    }
  }
}

export function carryOut(ctx: Context, planned: PlannedChange[]): Refused[] {
  const refused: Refused[] = []
  const failedRoots = new Set<string>()
  const createdAccounts = new Map<string, string>()
  const accountId = (ref: AccountRef) => ref.id ?? createdAccounts.get(ref.name) ?? ref.name
  for (let index = 0; index < planned.length; index++) {
    const item = planned[index]
    const {change} = item
    const root = rootOf(change)
    const dependsOn = change.kind === 'deployment' && change.op === 'create' ? [`service:${change.values.service}`, `infrastructure:${change.values.infrastructure}`] : []
    if (failedRoots.has(root) || dependsOn.some((r) => failedRoots.has(r))) continue
    // Consecutive membership changes of one group and direction are one call, as `groups add-member -i A,B` is.
    let batch = [item]
    if (change.kind === 'membership') {
      while (index + 1 < planned.length) {
        const next = planned[index + 1].change
        if (next.kind !== 'membership' || next.op !== change.op || next.group !== change.group) break
        batch.push(planned[++index])
      }
    } else {
      batch = [item]
    }

    try {
      if (change.kind === 'membership') {
        const ids = batch.map(({change: c}) => accountId((c as Extract<Change, {kind: 'membership'}>).account))
        if (change.op === 'create') addMembers(ctx, change.group, ids)
        else removeMembers(ctx, change.group, ids)
      } else {
        carryOutOne(ctx, change, accountId, createdAccounts)
      }
    } catch (error) {
      if (!(error instanceof AccessctlError) || error instanceof StoreError) throw error
      failedRoots.add(root)
      refused.push({planned: item, error})
    }
  }

  return refused
}

function carryOutOne(ctx: Context, change: Change, accountId: (ref: AccountRef) => string, createdAccounts: Map<string, string>): void {
  switch (change.kind) {
    case 'group': {
      if (change.op === 'create') createGroup(ctx, {name: change.target, ...change.values})
      else if (change.op === 'change') updateGroup(ctx, change.target, change.values)
      else deleteGroup(ctx, change.target)
      return
    }

    case 'account': {
      if (change.op === 'create') {
        const account = createAccount(ctx, {name: change.target, groups: change.values.groups, id: change.values.id})
        createdAccounts.set(account.name, account.id)
      } else {
        deleteAccount(ctx, {id: change.id})
      }

      return
    }

    case 'service': {
      if (change.op === 'create') {
        const owner = change.values.owner && accountId(change.values.owner)
        // A token creates services owned by its own account: naming that account is saying the same thing.
        const ownNamed = ctx.caller.kind === 'token' && owner === ctx.caller.accountId
        createService(ctx, {id: change.target, public: change.values.public, owner: ownNamed ? undefined : owner})
      } else if (change.op === 'change') {
        if (change.values.public !== undefined) updateService(ctx, change.target, {public: change.values.public})
        if (change.values.owner !== undefined) changeServiceOwner(ctx, change.target, accountId(change.values.owner))
      } else {
        deleteService(ctx, change.target)
      }

      return
    }

    case 'service-version': {
      if (change.op === 'create') addVersion(ctx, change.service, change.version)
      else deleteVersion(ctx, change.service, change.version)
      return
    }

    case 'service-permission': {
      if (change.op === 'remove') removeServicePermission(ctx, change.service, change.group)
      else setServicePermission(ctx, change.service, change.group, flags(SERVICE_PRIVILEGES, change.privileges))
      return
    }

    case 'infrastructure': {
      if (change.op === 'create') createInfra(ctx, {id: change.target, stage: change.values.stage})
      else if (change.op === 'change') updateInfra(ctx, change.target, {stage: change.values.stage})
      else deleteInfra(ctx, change.target)
      return
    }

    case 'infra-permission': {
      if (change.op === 'remove') removeInfraPermission(ctx, change.infra, change.group)
      else setInfraPermission(ctx, change.infra, change.group, flags(INFRA_PRIVILEGES, change.privileges))
      return
    }

    case 'deployment': {
      if (change.op === 'create') {
        const {service, infrastructure, version, auth, enabled} = change.values
        createDeployment(ctx, {id: change.target, service, infra: infrastructure, version})
        if (auth !== 'inherit') setDeploymentAuth(ctx, change.target, auth)
        if (!enabled) setDeploymentEnabled(ctx, change.target, false)
      } else if (change.op === 'change') {
        if (change.values.version !== undefined) updateDeployment(ctx, change.target, {version: change.values.version})
        if (change.values.auth !== undefined) setDeploymentAuth(ctx, change.target, change.values.auth)
        if (change.values.enabled !== undefined) setDeploymentEnabled(ctx, change.target, change.values.enabled)
      } else {
        deleteDeployment(ctx, change.target)
      }

      return
    }

    case 'membership': {
      throw new Error('memberships are carried out in batches')
    }
  }
}

/** Every privilege named true and every other false: the document gives a permission row whole. */
function flags<P extends string>(all: readonly P[], granted: readonly P[]): Record<P, boolean> {
  return Object.fromEntries(all.map((p) => [p, granted.includes(p)])) as Record<P, boolean>
}

/**
 * The owner of an existing service, which no command but `service create --owner` sets: the same rule holds, so
 * only the operator and admin keys may name an owner; audited as a service update.
 */
function changeServiceOwner(ctx: Context, id: string, ownerAccountId: string): void {
  const action = 'service.update'
  const target = `service:${id}`
  mutate(ctx, action, target, () => {
    const {service} = loadServiceFor(ctx, id, 'settings', action)
    if (ctx.caller.kind === 'token') {
      throw new DeniedError('permission denied: the owner is for the operator and admin keys; a token cannot give a service to an account', {action, target})
    }

    ctx.store.db.prepare('UPDATE services SET owner_account_id = ? WHERE id = ?').run(ownerAccountId, service.id)
  })
}
