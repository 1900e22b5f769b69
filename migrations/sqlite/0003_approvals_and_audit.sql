-- Approvals, audit events, admin events, account settings and webhook deliveries (SQLite). Conventions as
-- in 0001_initial.sql; event ids are INTEGER PRIMARY KEY AUTOINCREMENT (Postgres: bigint identity), so they
-- only ever increase, even after a purge, and serve as paging cursors.

-- Target of the approvals' composite foreign key: a grant of this server and account.
CREATE UNIQUE INDEX grants_account_server_id_key ON grants (account_id, server_id, id);

-- A call held for a human decision. status: pending → approved → used, or pending → denied | expired.
-- arguments_sealed (sealed by the application, with the approval id as associated data) is cleared once
-- the approval is used, denied or expired.
CREATE TABLE approvals (
    id               TEXT PRIMARY KEY NOT NULL,
    account_id       TEXT NOT NULL,
    server_id        TEXT NOT NULL,
    grant_id         TEXT NOT NULL,
    tool             TEXT NOT NULL,
    -- hex SHA-256 of the canonical arguments
    arguments_hash   TEXT NOT NULL,
    arguments_sealed BLOB,
    policy_id        TEXT NOT NULL,
    policy_version   INTEGER NOT NULL CHECK (policy_version >= 1),
    status           TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'used')),
    note             TEXT,
    decided_by       TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at       TEXT NOT NULL,
    expires_at       TEXT NOT NULL,
    decided_at       TEXT,
    used_at          TEXT,
    FOREIGN KEY (account_id, server_id) REFERENCES servers (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, server_id, grant_id) REFERENCES grants (account_id, server_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, server_id, policy_id) REFERENCES policies (account_id, server_id, id)
        ON DELETE CASCADE
);
CREATE INDEX approvals_account_created_idx ON approvals (account_id, created_at);
CREATE INDEX approvals_account_status_created_idx ON approvals (account_id, status, created_at);
-- a retry of the same call finds its approval
CREATE INDEX approvals_reuse_idx ON approvals (account_id, grant_id, tool, arguments_hash);
-- the expiry sweep
CREATE INDEX approvals_status_expires_idx ON approvals (status, expires_at);
CREATE INDEX approvals_grant_idx ON approvals (account_id, server_id, grant_id);
CREATE INDEX approvals_policy_idx ON approvals (account_id, server_id, policy_id);
CREATE INDEX approvals_decided_by_idx ON approvals (decided_by);

-- One per gateway decision. Servers and grants by id only, without foreign keys: history outlives them.
-- time_ms (unix milliseconds of time) groups events into time buckets with integer arithmetic.
CREATE TABLE audit_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    server_id       TEXT,
    grant_id        TEXT,
    session         TEXT,
    method          TEXT NOT NULL,
    tool            TEXT,
    decision        TEXT NOT NULL,
    rule            TEXT,
    reason          TEXT,
    -- JSON array of the top-level argument keys
    argument_keys   TEXT NOT NULL DEFAULT '[]',
    -- JSON of the argument values, only when the server opts in
    arguments       TEXT,
    upstream_status INTEGER,
    latency_ms      REAL,
    time            TEXT NOT NULL,
    time_ms         INTEGER NOT NULL
);
CREATE INDEX audit_events_account_id_idx ON audit_events (account_id, id);
CREATE INDEX audit_events_account_time_idx ON audit_events (account_id, time);

-- Who changed what in the dashboard or the API. detail: JSON, names only, never secrets.
CREATE TABLE admin_events (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor_id       TEXT REFERENCES users (id) ON DELETE SET NULL,
    action         TEXT NOT NULL,
    target_type    TEXT NOT NULL,
    target_id      TEXT NOT NULL,
    before_version INTEGER,
    after_version  INTEGER,
    detail         TEXT NOT NULL DEFAULT '{}',
    time           TEXT NOT NULL
);
CREATE INDEX admin_events_account_id_idx ON admin_events (account_id, id);
CREATE INDEX admin_events_actor_idx ON admin_events (actor_id);

-- At most one row per account; no row means the defaults.
CREATE TABLE account_settings (
    account_id            TEXT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    audit_retention_days  INTEGER NOT NULL DEFAULT 30 CHECK (audit_retention_days >= 1),
    webhook_url           TEXT,
    webhook_secret_sealed BLOB,
    updated_at            TEXT NOT NULL,
    CHECK ((webhook_url IS NULL) = (webhook_secret_sealed IS NULL))
);

-- Approval events to POST to the account's webhook. status: pending (due at next_attempt_at) → delivered,
-- or → failed when the sender gives up.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_type       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    next_attempt_at  TEXT,
    last_attempt_at  TEXT,
    delivered_at     TEXT,
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_account_id_idx ON webhook_deliveries (account_id, id);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
