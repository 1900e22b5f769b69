-- Toolgate, initial schema (Postgres). Same version and meaning as migrations/sqlite/0001_initial.sql, with
-- native types:
--   ids         uuid
--   timestamps  timestamptz (microseconds; the application truncates, never rounds, as SQLite stores them)
--   JSON        json, not jsonb: it keeps the text as written, so object keys keep the order the user gave
--               them (policy documents, tool schemas), exactly as SQLite's TEXT does. We never query inside it.
--   hashes      bytea of 32 bytes (SHA-256 of a token)
--   booleans    boolean
-- Every table that belongs to an account carries account_id, and children reference their parent together
-- with the account (composite foreign keys), so a row can never point into another tenant.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL
);
-- Callers pass normalised (lowercase) emails; the index makes case-insensitivity a database guarantee too.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE accounts (
    id         uuid PRIMARY KEY,
    slug       text NOT NULL,
    name       text NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT accounts_slug_key UNIQUE (slug)
);

CREATE TABLE memberships (
    account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('owner', 'admin', 'policy_manager', 'viewer')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    token_prefix text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE servers (
    id                  uuid PRIMARY KEY,
    account_id          uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    slug                text NOT NULL,
    name                text NOT NULL,
    url                 text NOT NULL,
    headers_sealed      bytea,
    header_names        json NOT NULL DEFAULT '[]',
    log_argument_values boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CONSTRAINT servers_account_slug_key UNIQUE (account_id, slug),
    -- target of the children's composite foreign keys
    CONSTRAINT servers_account_id_key UNIQUE (account_id, id)
);

CREATE TABLE tools (
    account_id          uuid NOT NULL,
    server_id           uuid NOT NULL,
    name                text NOT NULL,
    description         text,
    input_schema        json NOT NULL,
    annotations         json,
    -- the whole definition as the upstream sent it last
    definition          json NOT NULL,
    definition_hash     text NOT NULL,
    accepted_hash       text NOT NULL,
    accepted_definition json NOT NULL,
    position            bigint NOT NULL,
    synced_at           timestamptz NOT NULL,
    PRIMARY KEY (server_id, name),
    FOREIGN KEY (account_id, server_id) REFERENCES servers (account_id, id) ON DELETE CASCADE
);
CREATE INDEX tools_account_server_position_idx ON tools (account_id, server_id, position);

CREATE TABLE policies (
    id         uuid PRIMARY KEY,
    account_id uuid NOT NULL,
    server_id  uuid NOT NULL,
    name       text NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1),
    document   json NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT policies_server_name_key UNIQUE (server_id, name),
    CONSTRAINT policies_account_id_key UNIQUE (account_id, id),
    CONSTRAINT policies_account_server_id_key UNIQUE (account_id, server_id, id),
    FOREIGN KEY (account_id, server_id) REFERENCES servers (account_id, id) ON DELETE CASCADE
);

CREATE TABLE policy_versions (
    account_id uuid NOT NULL,
    policy_id  uuid NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1),
    document   json NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (policy_id, version),
    FOREIGN KEY (account_id, policy_id) REFERENCES policies (account_id, id) ON DELETE CASCADE
);
CREATE INDEX policy_versions_account_policy_idx ON policy_versions (account_id, policy_id);
CREATE INDEX policy_versions_created_by_idx ON policy_versions (created_by);

CREATE TABLE grants (
    id           uuid PRIMARY KEY,
    account_id   uuid NOT NULL,
    server_id    uuid NOT NULL,
    -- NULL: the grant denies every call. A policy in use by a grant cannot be deleted.
    policy_id    uuid,
    name         text NOT NULL,
    token_hash   bytea NOT NULL CHECK (octet_length(token_hash) = 32),
    token_prefix text NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CONSTRAINT grants_token_hash_key UNIQUE (token_hash),
    FOREIGN KEY (account_id, server_id) REFERENCES servers (account_id, id) ON DELETE CASCADE,
    -- the policy must be one of this grant's server (and account); MATCH SIMPLE (the default, as in
    -- SQLite) skips the check when policy_id is NULL
    FOREIGN KEY (account_id, server_id, policy_id) REFERENCES policies (account_id, server_id, id)
);
CREATE INDEX grants_account_created_idx ON grants (account_id, created_at);
CREATE INDEX grants_account_server_policy_idx ON grants (account_id, server_id, policy_id);
