/**
 * accessctl as a library: `import {DecisionPoint} from 'accessctl'`. The same functions `accessctl serve` answers
 * HTTP with, synchronous, over a store opened read-only:
 *
 *   const decisions = DecisionPoint.open('/data/accessctl/store.db')
 *   decisions.authorize('churn-on-prod', {kind: 'key', key})            // deployment authorize
 *   decisions.verify(token)                                             // tokens verify --json
 *   decisions.check(token, {function: 'consume', resource: 'datasets', account: 'test', entity: null})
 *   decisions.jwks()                                                    // tokens jwks
 *
 * The lower-level domain functions are exported too, for a caller that manages its own Store.
 */
export {
  type ClientDecision,
  DecisionPoint,
  type DecisionPointOptions,
  type Readiness,
  type Refusal,
} from './domain/decision-point.js'
export {
  type AdmittedVia,
  type Authorization,
  authorizeClient,
  type BearerCheck,
  type BearerVerifier,
  type ClientCredential,
  storeBearerVerifier,
} from './domain/query-auth.js'
export {type Jwks} from './domain/signing-keys.js'
export {type TokenClaims, type TokenType} from './core/token-format.js'
export {
  type InvalidReason,
  type RejectedToken,
  type SignatureCache,
  TokenVerifier,
  type Verification,
  verificationJson,
  type VerificationJson,
  type VerifiedToken,
  verifyToken,
} from './domain/token-verifier.js'
export {checkToken, type TokenCheck} from './domain/token-check.js'
export {type AccessRequest, allows, type Decision, evaluate, type Grant} from './core/grants.js'
export {AccessctlError, ConflictError, DeniedError, NotFoundError, StoreError, UsageError} from './errors.js'
export {FollowedStore} from './store/followed-store.js'
export {type Db, defaultStorePath, type OpenOptions, Store, type StoreAccess} from './store/store.js'
