import {type AuthMode, CONSUME_FUNCTION, validateObjectId} from '../core/deployer.js'
import {allows, type Grant} from '../core/grants.js'
import {VerdictError} from '../errors.js'
import {hashSecret} from '../core/secrets.js'
import {READ_NOW, type StoreReads} from '../store/remembered-reads.js'
import type {Db} from '../store/store.js'
import {matchKeyHash} from './api-keys.js'
import {accountSeesDeployment, deploymentNotFound} from './object-access.js'
import {findDeployment} from './deployments.js'
import {findService} from './services.js'
import {type TokenVerifier, verifyToken} from './token-verifier.js'

/**
 * May this client query this deployment now? What API servers ask on every request, so it needs no credential of
 * its own and changes nothing. A deleted key stops working at the next check because every check reads the store.
 * A bearer token is admitted when its grants allow consume on the deployment AND its account may see it, so a
 * token never exceeds its account, here as in every command.
 */

/** What a client presented: nothing, a query key, or a token (the `Authorization: Bearer` value). */
export type ClientCredential = {kind: 'none'} | {kind: 'key'; key: string} | {kind: 'bearer'; token: string}

/** A verified client token, or why it is not one. */
export type BearerCheck = {valid: true; jti: string; accountId: string; grants: Grant[]} | {valid: false; reason: string}
export type BearerVerifier = (token: string) => BearerCheck

/**
 * Verifies client tokens against the store: encoding, signature, known key, nbf/exp, revocation and ancestry. A
 * long-running caller passes its own `verifier`, so the keys are not loaded per call.
 */
export function storeBearerVerifier(db: Db, verifier?: TokenVerifier): BearerVerifier {
  return (token) => {
    const verification = verifier ? verifier.verify(token.trim()) : verifyToken(db, token)
    return verification.valid
      ? {valid: true, jti: verification.jti, accountId: verification.accountId, grants: verification.grants}
      : {valid: false, reason: verification.reason}
  }
}

export type AdmittedVia = 'public-deployment' | 'public-service' | 'deployment-key' | 'service-key' | 'token'

export interface Authorization {
  admitted: boolean
  deployment: string
  /** The deployment's own setting; `effectiveMode` resolves `inherit` through the service. */
  authMode: AuthMode
  effectiveMode: 'public' | 'api-keys'
  /** What admitted the client, or null when it was not admitted. */
  via: AdmittedVia | null
  /** One line: what admitted the client, or why not. */
  reason: string
  keyId?: string
  keyLabel?: string | null
  jti?: string
}

/** Exit 3 carrying the full answer, so --json shows the same document whether the client is admitted or not. */
export class NotAdmittedError extends VerdictError {
  constructor(readonly authorization: Authorization) {
    super(`not admitted: ${authorization.reason}`, authorization)
  }
}

/** The reason of the refusal of every credential by a disabled deployment. */
export const DISABLED_REASON = 'deployment is disabled'

/**
 * `reads` lets a long-running caller keep what this reads of the store while the store stays as it is (see
 * RememberedReads); every read goes through it, under a key that names exactly what is read.
 */
export function authorizeClient(
  db: Db,
  deploymentId: string,
  credential: ClientCredential,
  verifyBearer: BearerVerifier = storeBearerVerifier(db),
  reads: StoreReads = READ_NOW,
): Authorization {
  validateObjectId('deployment', deploymentId)
  const deployment = reads.remember(`deployment\n${deploymentId}`, () => findDeployment(db, deploymentId))
  if (!deployment) throw deploymentNotFound(deploymentId)
  const service = reads.remember(`service\n${deployment.service}`, () => findService(db, deployment.service))!
  const servicePublic = deployment.authMode === 'inherit' && service.public
  const effectiveMode = deployment.authMode === 'public' || servicePublic ? 'public' : 'api-keys'
  const base = {deployment: deployment.id, authMode: deployment.authMode, effectiveMode} as const
  const admit = (via: AdmittedVia, reason: string, extra: Partial<Authorization> = {}): Authorization => ({
    admitted: true,
    ...base,
    via,
    reason,
    ...extra,
  })
  const refuse = (reason: string): Authorization => ({admitted: false, ...base, via: null, reason})

  if (!deployment.enabled) return refuse(DISABLED_REASON)
  if (deployment.authMode === 'public') return admit('public-deployment', 'public deployment')
  if (servicePublic) return admit('public-service', `service ${service.id} is public`)

  switch (credential.kind) {
    case 'none': {
      return refuse('key required')
    }

    case 'key': {
      const fromDeployment = deployment.authMode === 'api-keys'
      const [table, ownerId] = fromDeployment ? (['deployment_keys', deployment.id] as const) : (['service_keys', service.id] as const)
      const presentedHash = hashSecret(credential.key)
      const key = reads.remember(`${table}\n${ownerId}\n${presentedHash}`, () => matchKeyHash(db, table, ownerId, presentedHash))
      if (!key) return refuse('unknown key')
      const named = `${key.id}${key.label ? ` (${key.label})` : ''}`
      return fromDeployment
        ? admit('deployment-key', `deployment key ${named}`, {keyId: key.id, keyLabel: key.label})
        : admit('service-key', `service key ${named}`, {keyId: key.id, keyLabel: key.label})
    }

    case 'bearer': {
      const check = verifyBearer(credential.token)
      if (!check.valid) return refuse(`token invalid: ${check.reason}`)
      const granted = allows(check.grants, {
        function: CONSUME_FUNCTION,
        resource: 'deployments',
        account: deployment.ownerAccountId,
        entity: deployment.id,
      })
      if (!granted) return refuse('token does not grant consume on deployments')
      // A token never exceeds its account: its grants may say consume, but its account must see the deployment.
      const sees = reads.remember(`sees\n${check.accountId}\n${service.id}\n${deployment.infrastructure}`, () =>
        accountSeesDeployment(db, check.accountId, {
          service: {id: service.id, ownerAccountId: service.ownerAccountId},
          infraId: deployment.infrastructure,
        }),
      )
      if (!sees) {
        return refuse(
          `the token's account ${check.accountId} may not see deployment ${deployment.id} ` +
            `(it needs read on service ${service.id} and view on infrastructure ${deployment.infrastructure})`,
        )
      }

      return admit('token', `token ${check.jti}`, {jti: check.jti})
    }
  }
}
