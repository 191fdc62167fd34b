import {
  denialMessage,
  DEPLOYMENT_ACTIONS,
  type DeploymentAction,
  INFRA_ACTIONS,
  type InfraAction,
  SERVICE_ACTIONS,
  type ServiceAction,
} from '../../core/deployer.js'
import {validateObjectId} from '../../core/deployer.js'
import {preview} from '../../core/names.js'
import {DeniedError, NotFoundError, UsageError} from '../../errors.js'
import type {Db} from '../../store/store.js'
import {requireTokenPermits} from '../access.js'
import type {CanIAction, CanIQuestion, CanITarget, NeededPrivilege} from './question.js'
import type {Context} from '../context.js'
import {deploymentIdFor, findDeployment, guardDeploymentCreate} from '../deployments.js'
import {findInfra} from '../infrastructures.js'
import {guardDeployment, guardInfra, guardService, infraNotFound, serviceNotFound, type Standing as Subject} from '../object-access.js'
import {findService, mayCreateServices} from '../services.js'

/**
 * A can-i question turned into the guard call the real command makes: `check` throws exactly as that command would
 * refuse; `needs` and `objects` are what --explain reports the subject's standing against.
 */

export interface Plan {
  target: string
  needs: Array<Omit<NeededPrivilege, 'held'>>
  objects: Array<{kind: 'service' | 'infrastructure'; id: string; ownerAccountId: string | null}>
  check: (context: Context, subject: Subject) => void
}

const ATTEMPT = {action: 'auth.can-i'}

const SERVICE_ACTION_OF: Partial<Record<CanIAction, ServiceAction>> = {read: 'see', write: 'versions', administer: 'settings'}
const INFRA_ACTION_OF: Partial<Record<CanIAction, InfraAction>> = {read: 'see', administer: 'settings'}
const DEPLOYMENT_ACTION_OF: Partial<Record<CanIAction, DeploymentAction>> = {read: 'see', deploy: 'update'}

export function planOf(db: Db, question: CanIQuestion): Plan {
  const {action, target} = question
  if (question.id !== undefined && (action !== 'deploy' || target.kind === 'deployment')) {
    throw new UsageError('--id names the deployment that deploy would create: ask deploy service/S --infra I --id ID (or deploy infra/I --service S --id ID)')
  }

  if (action === 'create') return createPlan(target)
  if (target.id === undefined) {
    throw new UsageError(`${action} needs one object: ${target.kind === 'infrastructure' ? 'infra' : target.kind}/ID (a kind alone is for create)`)
  }

  const {id} = target
  switch (target.kind) {
    case 'service': {
      if (action === 'deploy') return deployPlan(db, question.service ?? id, question.infra, `service/${id}`, question.id)
      const serviceAction = SERVICE_ACTION_OF[action]!
      const service = findService(db, id)
      const object = {kind: 'service' as const, id, ownerAccountId: service?.ownerAccountId ?? null}
      return {
        target: `service/${id}`,
        needs: [{kind: 'service', id, privilege: SERVICE_ACTIONS[serviceAction].needs}],
        objects: service ? [object] : [],
        check(context) {
          if (!service) throw serviceNotFound(id)
          guardService(context, object, serviceAction, {...ATTEMPT, target: `service:${id}`})
        },
      }
    }

    case 'infrastructure': {
      if (action === 'deploy') return deployPlan(db, question.service, question.infra ?? id, `infra/${id}`, question.id)
      const infraAction = INFRA_ACTION_OF[action]
      if (!infraAction) throw new UsageError('an infrastructure has no write privilege: ask read (view), deploy or administer')
      const infra = findInfra(db, id)
      const object = {kind: 'infrastructure' as const, id, ownerAccountId: infra?.ownerAccountId ?? null}
      return {
        target: `infra/${id}`,
        needs: [{kind: 'infrastructure', id, privilege: INFRA_ACTIONS[infraAction].needs}],
        objects: infra ? [object] : [],
        check(context) {
          if (!infra) throw infraNotFound(id)
          guardInfra(context, object, infraAction, {...ATTEMPT, target: `infrastructure:${id}`})
        },
      }
    }

    case 'deployment': {
      const deploymentAction = DEPLOYMENT_ACTION_OF[action]
      if (!deploymentAction) {
        throw new UsageError('a deployment has no permissions of its own: ask read or deploy (update, enable, disable, delete need deploy on its service and infra)')
      }

      const deployment = findDeployment(db, id)
      const service = deployment ? findService(db, deployment.service) : undefined
      const needs = DEPLOYMENT_ACTIONS[deploymentAction]
      return {
        target: `deployment/${id}`,
        needs: deployment
          ? [
              {kind: 'service', id: deployment.service, privilege: needs.service},
              {kind: 'infrastructure', id: deployment.infrastructure, privilege: needs.infra},
            ]
          : [],
        objects:
          deployment && service
            ? [
                {kind: 'service', id: service.id, ownerAccountId: service.ownerAccountId},
                {kind: 'infrastructure', id: deployment.infrastructure, ownerAccountId: findInfra(db, deployment.infrastructure)?.ownerAccountId ?? null},
              ]
            : [],
        check(context) {
          if (!deployment || !service) throw new NotFoundError(`no deployment with id '${preview(id)}'`)
          guardDeployment(
            context,
            {
              deployment: {id, ownerAccountId: deployment.ownerAccountId},
              service: {id: service.id, ownerAccountId: service.ownerAccountId},
              infraId: deployment.infrastructure,
            },
            deploymentAction,
            {...ATTEMPT, target: `deployment:${id}`},
          )
        },
      }
    }
  }
}

/**
 * `deploy service/S` (and `deploy infra/I`) alone: the half of `deployment create` about that object. With the other
 * half given (--infra / --service), exactly the permission check of `deployment create --service S --infra I [--id
 * ID]` (guardDeploymentCreate), the token's grants for that deployment id included. Like kubectl's can-i, it answers
 * about permission: an id already taken is still a yes (deployment create then refuses it with exit 5).
 */
function deployPlan(db: Db, serviceId: string | undefined, infraId: string | undefined, target: string, deploymentId: string | undefined): Plan {
  // The id deployment create would give it, refused (exit 2) as that command refuses it.
  const id =
    serviceId !== undefined && infraId !== undefined
      ? deploymentIdFor({service: serviceId, infra: infraId, id: deploymentId})
      : deploymentId === undefined
        ? undefined
        : validateObjectId('deployment', deploymentId)
  const service = serviceId === undefined ? undefined : findService(db, serviceId)
  const infra = infraId === undefined ? undefined : findInfra(db, infraId)
  const {service: servicePrivilege, infra: infraPrivilege} = DEPLOYMENT_ACTIONS.create
  const needs: Plan['needs'] = []
  const objects: Plan['objects'] = []
  if (serviceId !== undefined) {
    needs.push({kind: 'service', id: serviceId, privilege: servicePrivilege})
    if (service) objects.push({kind: 'service', id: service.id, ownerAccountId: service.ownerAccountId})
  }

  if (infraId !== undefined) {
    needs.push({kind: 'infrastructure', id: infraId, privilege: infraPrivilege})
    if (infra) objects.push({kind: 'infrastructure', id: infra.id, ownerAccountId: infra.ownerAccountId})
  }

  const both = serviceId !== undefined && infraId !== undefined ? `service/${serviceId} on infra/${infraId}` : target
  return {
    target: deploymentId === undefined ? both : `${both} as deployment/${id}`,
    needs,
    objects,
    check(context, subject) {
      if (serviceId !== undefined && infraId !== undefined) {
        guardDeploymentCreate(context, {service: serviceId, infra: infraId, id: id!}, {...ATTEMPT, target: `deployment:${id}`})
        return
      }

      if (serviceId !== undefined && !service) throw serviceNotFound(serviceId)
      if (infraId !== undefined && !infra) throw infraNotFound(infraId)
      const owner = subject.kind === 'account' ? subject.accountId : null
      // One half: what the account holds there (seen through the same guard as `service get` / `infra get`, which
      // also hides it from a token that may not see it) must include what `deployment create` needs on that side.
      const half = service
        ? {kind: 'service' as const, id: service.id, privilege: servicePrivilege, held: guardService(context, service, 'see', {...ATTEMPT, target: `service:${service.id}`}) as string[]}
        : {kind: 'infrastructure' as const, id: infra!.id, privilege: infraPrivilege, held: guardInfra(context, infra!, 'see', {...ATTEMPT, target: `infrastructure:${infra!.id}`}) as string[]}
      if (!half.held.includes(half.privilege)) {
        throw new DeniedError(denialMessage([half], [{kind: half.kind, id: half.id, privileges: half.held}]), ATTEMPT)
      }

      // With --id, the token must grant it for that very deployment, as deployment create --id asks.
      requireTokenPermits(context.caller, {function: DEPLOYMENT_ACTIONS.create.tokenFunction, resource: 'deployments', account: owner, entity: id, ...ATTEMPT})
    },
  }
}

/** Creating a service needs the may-create-services privilege; an infrastructure, a global administrator. */
function createPlan(target: CanITarget): Plan {
  if (target.kind === 'deployment') {
    throw new UsageError('to ask about creating a deployment, ask: auth can-i deploy service/S --infra I')
  }

  const resource = target.kind === 'service' ? 'services' : 'infrastructures'
  const privilege = target.kind === 'service' ? 'may-create-services' : 'admin'
  return {
    target: target.id === undefined ? (target.kind === 'service' ? 'service' : 'infra') : `${target.kind === 'service' ? 'service' : 'infra'}/${target.id}`,
    needs: [{kind: 'global', id: null, privilege}],
    objects: [],
    check(context, subject) {
      if (subject.kind === 'full') return
      const allowed = target.kind === 'service' ? mayCreateServices(context.store.db, subject.accountId) : subject.globalAdmin
      if (!allowed) {
        throw new DeniedError(
          target.kind === 'service'
            ? 'permission denied: creating a service needs a group with --may-create-services (or a global administrator)'
            : 'permission denied: creating an infrastructure needs a global administrator (a member of a group with --admin)',
        )
      }

      requireTokenPermits(context.caller, {function: 'create', resource, account: subject.accountId, entity: target.id ?? null, ...ATTEMPT})
    },
  }
}
