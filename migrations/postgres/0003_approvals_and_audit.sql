-- Approvals, audit events, admin events, account settings and webhook deliveries (Postgres). Same version
-- and meaning as migrations/sqlite/0003_approvals_and_audit.sql, with native types; event ids are bigint
-- identities, so they only ever increase, even after a purge, and serve as paging cursors.

-- Target of the approvals' composite foreign key: a grant of this server and account.
ALTER TABLE grants ADD CONSTRAINT grants_account_server_id_key UNIQUE (account_id, server_id, id);

-- A call held for a human decision. status: pending → approved → used, or pending → denied | expired.
-- arguments_sealed (sealed by the application, with the approval id as associated data) is cleared once
-- the approval is used, denied or expired.
CREATE TABLE approvals (
    id               uuid PRIMARY KEY,
    account_id       uuid NOT NULL,
    server_id        uuid NOT NULL,
    grant_id         uuid NOT NULL,
    tool             text NOT NULL,
    -- hex SHA-256 of the canonical arguments
    arguments_hash   text NOT NULL,
    arguments_sealed bytea,
    policy_id        uuid NOT NULL,
    policy_version   bigint NOT NULL CHECK (policy_version >= 1),
    status           text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'used')),
    note             text,
    decided_by       uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    decided_at       timestamptz,
    used_at          timestamptz,
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
-- time_ms (unix milliseconds of time) groups events into time buckets with integer arithmetic, as in SQLite.
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    server_id       uuid,
    grant_id        uuid,
    session         text,
    method          text NOT NULL,
    tool            text,
    decision        text NOT NULL,
    rule            text,
    reason          text,
    -- the top-level argument keys
    argument_keys   json NOT NULL DEFAULT '[]',
    -- the argument values, only when the server opts in
    arguments       json,
    upstream_status integer,
    latency_ms      double precision,
    time            timestamptz NOT NULL,
    time_ms         bigint NOT NULL
);
CREATE INDEX audit_events_account_id_idx ON audit_events (account_id, id);
CREATE INDEX audit_events_account_time_idx ON audit_events (account_id, time);

-- Who changed what in the dashboard or the API. detail: names only, never secrets.
CREATE TABLE admin_events (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor_id       uuid REFERENCES users (id) ON DELETE SET NULL,
    action         text NOT NULL,
    target_type    text NOT NULL,
    target_id      text NOT NULL,
    before_version bigint,
    after_version  bigint,
    detail         json NOT NULL DEFAULT '{}',
    time           timestamptz NOT NULL
);
CREATE INDEX admin_events_account_id_idx ON admin_events (account_id, id);
CREATE INDEX admin_events_actor_idx ON admin_events (actor_id);

-- At most one row per account; no row means the defaults.
CREATE TABLE account_settings (
    account_id            uuid PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    audit_retention_days  bigint NOT NULL DEFAULT 30 CHECK (audit_retention_days >= 1),
    webhook_url           text,
    webhook_secret_sealed bytea,
    updated_at            timestamptz NOT NULL,
    CHECK ((webhook_url IS NULL) = (webhook_secret_sealed IS NULL))
);

-- Approval events to POST to the account's webhook. status: pending (due at next_attempt_at) → delivered,
-- or → failed when the sender gives up.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id       uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_type       text NOT NULL,
    payload          json NOT NULL,
    status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         bigint NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL))
);
CREATE INDEX webhook_deliveries_account_id_idx ON webhook_deliveries (account_id, id);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
