/**
 * Schema migrations, applied in order by `migrate` in store.ts. A migration never changes once it has shipped:
 * a new change to the schema is a new entry with the next version.
 *
 * Version 1 lays down the whole data model of the product at once (accounts and groups, tokens and signing keys,
 * admin keys, audit, the Deployer objects) so that the features built on it add behaviour, not tables.
 */
import type Database from 'better-sqlite3'

import {accountNameKey} from '../core/names.js'

export interface Migration {
  readonly version: number
  readonly description: string
  readonly sql: string
  /**
   * Fills in what SQL cannot compute (a Unicode normalisation), in the same transaction, after `sql`. It must only
   * change rows, never the schema: the schema of each version is read from `sql` alone (schema-check.ts).
   */
  readonly backfill?: (db: Database.Database) => void
}

/** Marks a SQLite file as an accessctl store ("ACCT" in ASCII). */
export const APPLICATION_ID = 0x41434354

const INITIAL_SCHEMA = `
CREATE TABLE accounts (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE groups (
  name                TEXT PRIMARY KEY,
  is_admin            INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
  may_create_services INTEGER NOT NULL DEFAULT 0 CHECK (may_create_services IN (0, 1)),
  builtin             INTEGER NOT NULL DEFAULT 0 CHECK (builtin IN (0, 1)),
  created_at          TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO groups (name, builtin, created_at) VALUES ('everyone', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE group_members (
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  added_at   TEXT NOT NULL,
  PRIMARY KEY (group_name, account_id)
) WITHOUT ROWID;
CREATE INDEX group_members_by_account ON group_members (account_id, group_name);

CREATE TABLE signing_keys (
  kid         TEXT PRIMARY KEY,
  alg         TEXT NOT NULL,
  private_jwk TEXT NOT NULL,
  public_jwk  TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  retired_at  TEXT
) WITHOUT ROWID;

-- Tokens outlive their account's row on purpose: deleting an account marks its tokens revoked, and verify keeps
-- answering "revoked" for them, so account_id carries no foreign key.
CREATE TABLE tokens (
  jti        TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  type       TEXT NOT NULL CHECK (type IN ('account', 'ephemeral')),
  role       TEXT,
  grants     TEXT NOT NULL,
  label      TEXT,
  kid        TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  not_before TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  revoked_at TEXT
) WITHOUT ROWID;
CREATE INDEX tokens_by_account ON tokens (account_id, created_at);

CREATE TABLE admin_keys (
  id           TEXT PRIMARY KEY,
  key_hash     TEXT NOT NULL UNIQUE,
  label        TEXT,
  description  TEXT,
  created_at   TEXT NOT NULL,
  created_by   TEXT NOT NULL,
  expires_at   TEXT,
  last_used_at TEXT
) WITHOUT ROWID;

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE audit_log (
  id      INTEGER PRIMARY KEY,
  at      TEXT NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT,
  outcome TEXT NOT NULL,
  detail  TEXT
);
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_actor ON audit_log (actor, at);
CREATE INDEX audit_log_by_action ON audit_log (action, at);

CREATE TABLE services (
  id               TEXT PRIMARY KEY,
  owner_account_id TEXT REFERENCES accounts (id),
  public           INTEGER NOT NULL DEFAULT 1 CHECK (public IN (0, 1)),
  created_at       TEXT NOT NULL,
  created_by       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX services_by_owner ON services (owner_account_id);

CREATE TABLE service_permissions (
  service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  can_read   INTEGER NOT NULL DEFAULT 0,
  can_write  INTEGER NOT NULL DEFAULT 0,
  can_deploy INTEGER NOT NULL DEFAULT 0,
  can_admin  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (service_id, group_name)
) WITHOUT ROWID;
CREATE INDEX service_permissions_by_group ON service_permissions (group_name, service_id);

CREATE TABLE service_versions (
  service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  version    TEXT NOT NULL,
  size       INTEGER,
  sha256     TEXT,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  PRIMARY KEY (service_id, version)
) WITHOUT ROWID;

CREATE TABLE service_keys (
  id          TEXT PRIMARY KEY,
  service_id  TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
  key_hash    TEXT NOT NULL UNIQUE,
  label       TEXT,
  description TEXT,
  created_at  TEXT NOT NULL,
  created_by  TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX service_keys_by_service ON service_keys (service_id);

CREATE TABLE infrastructures (
  id               TEXT PRIMARY KEY,
  stage            TEXT NOT NULL CHECK (stage IN ('Development', 'Test', 'Production')),
  owner_account_id TEXT REFERENCES accounts (id),
  created_at       TEXT NOT NULL,
  created_by       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX infrastructures_by_owner ON infrastructures (owner_account_id);

CREATE TABLE infra_permissions (
  infra_id   TEXT NOT NULL REFERENCES infrastructures (id) ON DELETE CASCADE,
  group_name TEXT NOT NULL REFERENCES groups (name) ON DELETE CASCADE,
  can_view   INTEGER NOT NULL DEFAULT 0,
  can_deploy INTEGER NOT NULL DEFAULT 0,
  can_admin  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (infra_id, group_name)
) WITHOUT ROWID;
CREATE INDEX infra_permissions_by_group ON infra_permissions (group_name, infra_id);

CREATE TABLE deployments (
  id               TEXT PRIMARY KEY,
  service_id       TEXT NOT NULL REFERENCES services (id),
  infra_id         TEXT NOT NULL REFERENCES infrastructures (id),
  version          TEXT,
  enabled          INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  auth_mode        TEXT NOT NULL DEFAULT 'inherit' CHECK (auth_mode IN ('inherit', 'public', 'api-keys')),
  owner_account_id TEXT REFERENCES accounts (id),
  created_at       TEXT NOT NULL,
  created_by       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX deployments_by_service ON deployments (service_id);
CREATE INDEX deployments_by_infra ON deployments (infra_id);
CREATE INDEX deployments_by_owner ON deployments (owner_account_id);

CREATE TABLE deployment_keys (
  id            TEXT PRIMARY KEY,
  deployment_id TEXT NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
  key_hash      TEXT NOT NULL UNIQUE,
  label         TEXT,
  description   TEXT,
  created_at    TEXT NOT NULL,
  created_by    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX deployment_keys_by_deployment ON deployment_keys (deployment_id);
`

export const MIGRATIONS: readonly Migration[] = [
  {version: 1, description: 'initial schema', sql: INITIAL_SCHEMA},
  {
    version: 2,
    description: 'list tokens a page at a time in creation order',
    sql: `
      DROP INDEX tokens_by_account;
      CREATE INDEX tokens_by_account ON tokens (account_id, created_at, jti);
      CREATE INDEX tokens_by_creation ON tokens (created_at, jti);
    `,
  },
  {
    version: 3,
    description: 'token hierarchy: account-wide revocation times and the recorded ancestors of recorded tokens',
    // tokens_revoked_before is a Unix second: every token of the account issued before it (iat < it) is revoked,
    // ephemeral ones included, and so is every token minted from one of them. token_ancestors repeats the ancestry
    // claim of recorded tokens so that revoking an ancestor can mark its recorded descendants revoked in listings;
    // verification reads the claim itself, which also covers the ephemeral tokens nothing records.
    sql: `
      ALTER TABLE accounts ADD COLUMN tokens_revoked_before INTEGER;
      CREATE TABLE token_ancestors (
        ancestor_jti        TEXT NOT NULL,
        ancestor_account_id TEXT NOT NULL,
        ancestor_issued_at  INTEGER NOT NULL,
        ancestor_kid        TEXT NOT NULL,
        jti                 TEXT NOT NULL,
        PRIMARY KEY (ancestor_jti, jti)
      ) WITHOUT ROWID;
      CREATE INDEX token_ancestors_by_account ON token_ancestors (ancestor_account_id, ancestor_issued_at);
      CREATE INDEX token_ancestors_by_kid ON token_ancestors (ancestor_kid);
    `,
  },
  {
    version: 4,
    description: 'token generations: revocation that outlives accounts and clocks',
    // Every token carries its account's generation (the `gen` claim); "revoke all" and deleting the account move it
    // on. The table has no foreign key and its rows are never deleted, so an account id used again starts past every
    // token its earlier holder had. Accounts deleted before this version get generation 1 (from the audit trail and
    // from the recorded tokens left behind), so their older tokens, which count as generation 0, stay ended too.
    sql: `
      CREATE TABLE token_generations (
        account_id TEXT PRIMARY KEY,
        generation INTEGER NOT NULL CHECK (generation >= 0)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO token_generations (account_id, generation)
        SELECT DISTINCT substr(target, 9), 1 FROM audit_log
        WHERE action = 'accounts.delete' AND outcome = 'ok' AND target LIKE 'account:%';
      INSERT OR IGNORE INTO token_generations (account_id, generation)
        SELECT DISTINCT account_id, 1 FROM tokens WHERE account_id NOT IN (SELECT id FROM accounts);
    `,
  },
  {
    version: 5,
    description: 'account names: a key that look-alike names share (NFKC, case folded), so that a new one cannot collide',
    // name_key is accountNameKey(name) (src/core/names.ts). The index is not UNIQUE on purpose: a store may already
    // hold names that collide (alice and Alice), and the migration must not fail on it nor choose which to drop. They
    // are kept, each with its key, and every new name is checked against all keys in the write transaction that
    // inserts it (createAccount, importAccounts), which BEGIN IMMEDIATE serialises.
    sql: `
      ALTER TABLE accounts ADD COLUMN name_key TEXT;
      CREATE INDEX accounts_by_name_key ON accounts (name_key);
    `,
    backfill(db) {
      const setKey = db.prepare('UPDATE accounts SET name_key = ? WHERE id = ?')
      const rows = db.prepare('SELECT id, name FROM accounts').raw().all() as Array<[string, string]>
      for (const [id, name] of rows) setKey.run(accountNameKey(name), id)
    },
  },
  {
    version: 6,
    description: 'access review: the recorded tokens that may grant everything, without reading every token',
    // A partial index of the tokens the review's finding of long-lived Admin-strength tokens starts from: not revoked,
    // and the Admin role or a `*` somewhere in the grants (the review parses those to keep the ones granting
    // everything). SQLite uses a partial index only for a query whose WHERE repeats these terms as they are written
    // here, so domain/review/findings.ts writes them the same way. Ordered as the review lists them.
    sql: `
      CREATE INDEX tokens_granting_everything ON tokens (created_at, jti)
        WHERE revoked_at IS NULL AND (role = 'Admin' OR instr(grants, '"*"') > 0);
    `,
  },
]
