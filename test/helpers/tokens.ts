import Database from 'better-sqlite3'
import {createPrivateKey, generateKeyPairSync, type KeyObject, sign} from 'node:crypto'

/** The account id of the seed's examples, inserted as it is so the examples run verbatim. */
export const SEED_ACCOUNT_ID = 'aeb78193c526484fa4f5c14d182ba039'

/** The seed's policy.yaml, verbatim: the same grant as its flags example. */
export const SEED_POLICY = `account: aeb78193c526484fa4f5c14d182ba039
grants:
- resources:
  - datasets
  - models
  functions:
  - consume
  accounts:
  - test
`

export function insertAccount(storePath: string, id: string, name: string): void {
  const db = new Database(storePath, {fileMustExist: true})
  try {
    db.prepare('INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)').run(id, name, new Date().toISOString())
  } finally {
    db.close()
  }
}

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString()) as Record<string, unknown>
}

/** The store's active signing key, read straight from SQLite, to forge tokens with chosen claims. */
export function storeSigningKey(storePath: string): {kid: string; privateKey: KeyObject} {
  const db = new Database(storePath, {readonly: true, fileMustExist: true})
  try {
    const row = db.prepare('SELECT kid, private_jwk FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1').get() as {
      kid: string
      private_jwk: string
    }
    return {kid: row.kid, privateKey: createPrivateKey({key: JSON.parse(row.private_jwk), format: 'jwk'})}
  } finally {
    db.close()
  }
}

export function strangerKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey
}

export function signJwt(header: Record<string, unknown>, claims: Record<string, unknown>, privateKey: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`
}

/** Claims like the ones accessctl signs, valid now for an hour unless overridden. */
export function claimsFor(accountId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return {
    jti: 'ab'.repeat(16),
    sub: `Account/${accountId}`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    typ: 'ephemeral',
    grants: [{resources: ['*'], functions: ['get'], accounts: ['*'], entities: []}],
    ...overrides,
  }
}
