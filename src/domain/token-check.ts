import {currentName, validateFunctionName, validateResourceName} from '../core/grant-input.js'
import {type AccessRequest, type Decision, evaluate, WILDCARD} from '../core/grants.js'
import {PUBLIC_ACCOUNT} from '../core/roles.js'
import type {Db, Store} from '../store/store.js'
import {findAccountById, findAccountByName} from './accounts.js'
import {TokenVerifier, type Verification} from './token-verifier.js'

export interface TokenCheck {
  valid: boolean
  reason: string | null
  jti: string | null
  accountId: string | null
  allowed: boolean
  request: AccessRequest
  matchedGrant: number | null
  trace: Decision['trace']
}

/**
 * Does the token allow the request? It is verified first; then its grants are evaluated with the trace kept for
 * --explain. An account given by name is resolved to its id, as `tokens create -a` does; `public`, `*` and unknown
 * names are matched as written. A long-running caller passes its own `verifier`, so the keys are not loaded per call.
 */
export function checkToken(
  store: Store,
  token: string,
  request: AccessRequest,
  verifier: TokenVerifier = new TokenVerifier(store.db),
): {verification: Verification; check: TokenCheck} {
  validateFunctionName(request.function)
  validateResourceName(request.resource)
  const verification = verifier.verify(token.trim())
  const account = request.account ?? null
  const resolved: AccessRequest = {
    ...request,
    // Dyff's deprecated names (download, upload) are asked as their current one, as tokens create wrote them.
    function: currentName('function', request.function),
    resource: currentName('resource', request.resource),
    account: account === null || account === WILDCARD || account === PUBLIC_ACCOUNT ? account : resolveAccountLoosely(store.db, account),
  }
  if (!verification.valid) {
    return {
      verification,
      check: {valid: false, reason: verification.reason, jti: verification.jti, accountId: verification.accountId, allowed: false, request: resolved, matchedGrant: null, trace: []},
    }
  }

  const decision = evaluate(verification.grants, resolved)
  return {
    verification,
    check: {
      valid: true,
      reason: decision.allowed ? null : 'not_granted',
      jti: verification.jti,
      accountId: verification.accountId,
      allowed: decision.allowed,
      request: resolved,
      matchedGrant: decision.matchedGrant,
      trace: decision.trace,
    },
  }
}

function resolveAccountLoosely(db: Db, account: string): string {
  return findAccountById(db, account)?.id ?? findAccountByName(db, account)?.id ?? account
}
