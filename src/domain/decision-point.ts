import {hash} from 'node:crypto'

import type {AccessRequest} from '../core/grants.js'
import {LruMap} from '../core/lru.js'
import {KEY_PREFIXES} from '../core/secrets.js'
import type {TokenClaims} from '../core/token-format.js'
import {FollowedStore, type FollowOptions} from '../store/followed-store.js'
import {RememberedReads} from '../store/remembered-reads.js'
import type {Store, StoreAccess} from '../store/store.js'
import type {Context} from './context.js'
import {type Authorization, authorizeClient, type BearerCheck, type ClientCredential, DISABLED_REASON, storeBearerVerifier} from './query-auth.js'
import {type Jwks, publicJwks} from './signing-keys.js'
import {type SignatureCache, TokenVerifier, verificationJson, type VerificationJson} from './token-verifier.js'
import {checkToken, type TokenCheck} from './token-check.js'

/**
 * The decisions API servers and gateways ask for at request rate, over a store opened read-only: verify a token,
 * check a token against a request, authorize a client for a deployment, the JWKS. `accessctl serve` answers HTTP
 * with these methods and the library exports this class, so both give what the CLI's `tokens verify`, `tokens
 * check`, `deployment authorize` and `tokens jwks` give: each method calls the same domain function.
 *
 * Nothing here may answer a stale yes. What a call reads of the store (a deployment, its service, a key by its hash,
 * whether an account may see a deployment, a token's revocation state, the signing keys) is remembered only until
 * another connection commits: every call first reads `PRAGMA data_version`, and a change forgets it all before
 * anything is answered (RememberedReads), so a change counts from the next call. A file renamed over the store's
 * path is opened within 10 ms (FollowOptions.recheckMs), with nothing remembered of the old one. Good Ed25519
 * signatures are remembered per exact token: expiry is still checked on every call.
 */

/** How a gateway should answer a refused client: 401 asks for (other) credentials, 403 says they will not help. */
export type Refusal = 'forbidden' | 'unauthenticated'

export interface ClientDecision {
  /** The same document as `deployment authorize --json`. */
  authorization: Authorization
  /** Null when admitted; `unauthenticated` for no or an invalid credential, `forbidden` for the rest. */
  refusal: Refusal | null
  /** The account of a token that verified, admitted or not: who called. */
  tokenAccountId: string | null
  /** Whether the refusal is about a presented token that failed to verify (RFC 6750's `invalid_token`). */
  invalidToken: boolean
}

export interface Readiness {
  path: string
  schemaVersion: number
  access: StoreAccess
}

export interface DecisionPointOptions extends FollowOptions {
  /** Distinct token strings whose good signature is remembered (default 10,000; 0 turns the cache off). */
  signatureCacheSize?: number
}

const DEFAULT_SIGNATURE_CACHE = 10_000
const {service: SERVICE_KEY_PREFIX, deployment: DEPLOYMENT_KEY_PREFIX} = KEY_PREFIXES

/**
 * Good signatures remembered by the SHA-256 of the whole token (so a cached signature stands for exactly those
 * claims), not the token itself: a tenth of the memory, and much less for the garbage collector to move. A token
 * seen again also keeps its claims, decoded once, for as long as its signature is remembered: a token seen once (a
 * flood of distinct ones) keeps only its digest.
 */
class SignatureDigests implements SignatureCache {
  private readonly entries: LruMap<TokenClaims | null>
  /** The last token hashed, and its digest: verify asks about one token several times in a row. */
  private lastToken: string | undefined
  private lastDigest = ''

  constructor(capacity: number) {
    this.entries = new LruMap(capacity)
  }

  has(token: string): boolean {
    return this.entries.size > 0 && this.entries.get(this.digestOf(token)) !== undefined
  }

  add(token: string): void {
    this.entries.set(this.digestOf(token), null)
  }

  claimsOf(token: string): TokenClaims | undefined {
    return this.entries.peek(this.digestOf(token)) ?? undefined
  }

  keepClaims(token: string, claims: TokenClaims): void {
    this.entries.replace(this.digestOf(token), claims)
  }

  clear(): void {
    this.entries.clear()
    this.lastToken = undefined
  }

  private digestOf(token: string): string {
    if (token !== this.lastToken) {
      this.lastToken = token
      this.lastDigest = hash('sha256', token, 'base64')
    }

    return this.lastDigest
  }
}

export class DecisionPoint {
  private readonly followed: FollowedStore
  private readonly signatures: SignatureDigests
  private reads: RememberedReads | undefined
  private verifier: TokenVerifier | undefined
  private verifierGeneration = -1

  private constructor(followed: FollowedStore, options: DecisionPointOptions) {
    this.followed = followed
    this.signatures = new SignatureDigests(options.signatureCacheSize ?? DEFAULT_SIGNATURE_CACHE)
  }

  /** Opens the store at `path` read-only (see Store.openReadOnly); a StoreError if it is not a usable store. */
  static open(path: string, options: DecisionPointOptions = {}): DecisionPoint {
    const point = new DecisionPoint(new FollowedStore(path, options), options)
    point.followed.current()
    return point
  }

  get path(): string {
    return this.followed.path
  }

  /** `tokens verify --json`: {valid, reason, jti, accountId, type, role, expiresAt}. */
  verify(token: string): VerificationJson {
    return this.read(() => verificationJson(this.currentVerifier().verify(token.trim())))
  }

  /** `tokens check --json`: the verdict with the trace of every grant. Throws a UsageError for bad names. */
  check(token: string, request: AccessRequest): TokenCheck {
    return this.read((reads) => {
      const verifier = this.currentVerifier()
      return reads.read(() => checkToken(reads.store, token, request, verifier).check)
    })
  }

  /**
   * `deployment authorize`, with what a gateway needs to choose its status. Throws a UsageError for a malformed
   * deployment id and a NotFoundError for an unknown one.
   */
  authorize(deploymentId: string, credential: ClientCredential): ClientDecision {
    return this.read((reads) => {
      const {db} = reads.store
      let bearer: BearerCheck | undefined
      const verifyBearer = credential.kind === 'bearer' ? storeBearerVerifier(db, this.currentVerifier()) : undefined
      const check = (token: string) => (bearer = verifyBearer!(token))
      const authorization = authorizeClient(db, deploymentId, credential, check, reads)
      const tokenAccountId = bearer?.valid ? bearer.accountId : null
      if (authorization.admitted) return {authorization, refusal: null, tokenAccountId, invalidToken: false}
      // A disabled deployment admits no credential, and a token that verified is an identity that was refused.
      const forbidden = authorization.reason === DISABLED_REASON || bearer?.valid === true
      return {authorization, refusal: forbidden ? 'forbidden' : 'unauthenticated', tokenAccountId, invalidToken: bearer?.valid === false}
    })
  }

  /** What an `Authorization: Bearer VALUE` holds: a query key (by its prefix) or else a token. */
  bearerCredential(value: string): ClientCredential {
    return value.startsWith(SERVICE_KEY_PREFIX) || value.startsWith(DEPLOYMENT_KEY_PREFIX) ? {kind: 'key', key: value} : {kind: 'bearer', token: value}
  }

  /** `tokens jwks`: the public keys that still verify. */
  jwks(): Jwks {
    return this.read((reads) => reads.remember('jwks', () => publicJwks(readerContext(reads.store))))
  }

  /** Whether the store opens now and its schema is the one this code reads; throws the StoreError if not. */
  ready(): Readiness {
    return this.read((reads) => reads.read(() => ({path: reads.store.path, schemaVersion: reads.store.schemaVersion(), access: reads.store.access})))
  }

  close(): void {
    this.followed.close()
    this.reads = undefined
    this.verifier = undefined
  }

  /**
   * Runs `work` over the current file as of its latest commit (RememberedReads.run): the file the path names now
   * (FollowedStore), what was read of it remembered until another connection commits.
   */
  private read<T>(work: (reads: RememberedReads) => T): T {
    const store = this.followed.current()
    if (store !== this.reads?.store) {
      // Another file: its keys may differ, so no signature checked against the old one's counts.
      this.signatures.clear()
      this.reads = new RememberedReads(store)
      this.verifier = undefined
    }

    const reads = this.reads
    return reads.run(() => work(reads))
  }

  /** A verifier holding the signing keys of the store as `read` sees it, its revocation reads remembered with the rest. */
  private currentVerifier(): TokenVerifier {
    const reads = this.reads!
    if (!this.verifier || this.verifierGeneration !== reads.generation) {
      this.verifier = reads.read(() => new TokenVerifier(reads.store.db, this.signatures, reads))
      this.verifierGeneration = reads.generation
    }

    return this.verifier
  }
}

/** The domain's reads take a context; these ones ask no privilege, so the caller is only a name for the record. */
function readerContext(store: Store): Context {
  return {store, caller: {kind: 'operator', user: 'accessctl-serve'}}
}
