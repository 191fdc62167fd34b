import {validateObjectId} from '../../core/deployer.js'
import {preview} from '../../core/names.js'
import {UsageError} from '../../errors.js'
import {CAN_I_ACTIONS, type CanIAction, TARGET_KIND_WORDS, type TargetKind} from '../../core/can-i-words.js'

export {CAN_I_ACTIONS, type CanIAction, type TargetKind} from '../../core/can-i-words.js'

/** The question `auth can-i` is asked: an action, a target, and the words people type for them. */

/** Other words people type for the same actions (kubectl's get and delete are not Deployer privileges). */
const ACTION_WORDS: Record<string, CanIAction> = {get: 'read', view: 'read', see: 'read', admin: 'administer', manage: 'administer'}

export interface CanITarget {
  kind: TargetKind
  id?: string
}

export function parseCanIAction(word: string): CanIAction {
  const action = (CAN_I_ACTIONS as readonly string[]).includes(word) ? (word as CanIAction) : ACTION_WORDS[word]
  if (!action) throw new UsageError(`'${preview(word)}' is not an action: use one of ${CAN_I_ACTIONS.join(', ')}`)
  return action
}

/** `service/fraud-scoring`, `infra/dev`, `deployment/x-on-dev`, or a kind alone (for create). */
export function parseCanITarget(text: string): CanITarget {
  const slash = text.indexOf('/')
  const word = slash === -1 ? text : text.slice(0, slash)
  const kind = TARGET_KIND_WORDS[word]
  if (!kind) throw new UsageError(`'${preview(text)}' is not a target: use service/ID, infra/ID, deployment/ID, or service or infra alone to ask about create`)
  if (slash === -1) return {kind}
  return {kind, id: validateObjectId(kind, text.slice(slash + 1))}
}

/** One privilege an action needs, whether the subject holds it, and where what it holds comes from. */
export interface NeededPrivilege {
  kind: TargetKind | 'global'
  id: string | null
  privilege: string
  held: boolean
}

export interface CanIQuestion {
  action: CanIAction
  target: CanITarget
  /** With `deploy service/S` or `deploy infra/I`: the other half of the deployment, to ask about both. */
  service?: string
  infra?: string
  /** With `deploy`: the id of the deployment to create (deployment create --id); SERVICE-on-INFRA when not given. */
  id?: string
  /** An account id or name: answer for that account (its own rights, no token limits). */
  as?: string
}
