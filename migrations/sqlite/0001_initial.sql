-- Toolgate, initial schema (SQLite). migrations/postgres/ will carry the same version with native types.
--
-- Conventions, chosen to port one-to-one to Postgres:
--   ids         TEXT, hyphenated lowercase UUID               (Postgres: uuid)
--   timestamps  TEXT, UTC RFC 3339 with exactly six fraction   (Postgres: timestamptz, also microseconds)
--               digits: '2025-01-31T12:00:00.000000Z', so text order is time order
--   JSON        TEXT                                           (Postgres: jsonb)
--   hashes      BLOB of 32 bytes (SHA-256 of a token)          (Postgres: bytea)
--   booleans    INTEGER 0/1                                    (Postgres: boolean)
-- Every table that belongs to an account carries account_id, and children reference their parent together
-- with the account (composite foreign keys), so a row can never point into another tenant.

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
-- Callers pass normalised (lowercase) emails; the index makes case-insensitivity a database guarantee too.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE accounts (
    id         TEXT PRIMARY KEY NOT NULL,
    slug       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT accounts_slug_key UNIQUE (slug)
);

CREATE TABLE memberships (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'policy_manager', 'viewer')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BLOB NOT NULL CHECK (length(token_hash) = 32),
    token_prefix TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE servers (
    id                  TEXT PRIMARY KEY NOT NULL,
    account_id          TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    slug                TEXT NOT NULL,
    name                TEXT NOT NULL,
    url                 TEXT NOT NULL,
    headers_sealed      BLOB,
    header_names        TEXT NOT NULL DEFAULT '[]',
    log_argument_values INTEGER NOT NULL DEFAULT 0 CHECK (log_argument_values IN (0, 1)),
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CONSTRAINT servers_account_slug_key UNIQUE (account_id, slug),
    -- target of the children's composite foreign keys
    CONSTRAINT servers_account_id_key UNIQUE (account_id, id)
);

CREATE TABLE tools (
    account_id          TEXT NOT NULL,
    server_id           TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT,
    input_schema        TEXT NOT NULL,
    annotations         TEXT,
    -- the whole definition as the upstream sent it last
    definition          TEXT NOT NULL,
    definition_hash     TEXT NOT NULL,
    accepted_hash       TEXT NOT NULL,
    accepted_definition TEXT NOT NULL,
    position            INTEGER NOT NULL,
    synced_at           TEXT NOT NULL,
    PRIMARY KEY (server_id, name),
    FOREIGN KEY (account_id, server_id) REFERENCES servers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX tools_account_server_position_idx ON tools (account_id, server_id, position);

CREATE TABLE policies (
    id         TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    server_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    document   TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT policies_server_name_key UNIQUE (server_id, name),
    CONSTRAINT policies_account_id_key UNIQUE (account_id, id),
    CONSTRAINT policies_account_server_id_key UNIQUE (account_id, server_id, id),
    FOREIGN KEY (account_id, server_id) REFERENCES servers (account_id, id) ON DELETE CASCADE
);

CREATE TABLE policy_versions (
    account_id TEXT NOT NULL,
    policy_id  TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    document   TEXT NOT NULL,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (policy_id, version),
    FOREIGN KEY (account_id, policy_id) REFERENCES policies (account_id, id) ON DELETE CASCADE
);
CREATE INDEX policy_versions_account_policy_idx ON policy_versions (account_id, policy_id);
CREATE INDEX policy_versions_created_by_idx ON policy_versions (created_by);

CREATE TABLE grants (
    id           TEXT PRIMARY KEY NOT NULL,
    account_id   TEXT NOT NULL,
    server_id    TEXT NOT NULL,
    -- NULL: the grant denies every call. A policy in use by a grant cannot be deleted.
    policy_id    TEXT,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL CHECK (length(token_hash) = 32),
    token_prefix TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT,
    CONSTRAINT grants_token_hash_key UNIQUE (token_hash),
    FOREIGN KEY (account_id, server_id) REFERENCES servers (account_id, id) ON DELETE CASCADE,
    -- the policy must be one of this grant's server (and account)
    FOREIGN KEY (account_id, server_id, policy_id) REFERENCES policies (account_id, server_id, id)
);
CREATE INDEX grants_account_created_idx ON grants (account_id, created_at);
CREATE INDEX grants_account_server_policy_idx ON grants (account_id, server_id, policy_id);
