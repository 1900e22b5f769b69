-- Dashboard login sessions (Postgres). Same version and meaning as migrations/sqlite/0002_sessions.sql.
--
-- A session is stored by the SHA-256 of its cookie token, never by the token itself, so a leaked database
-- does not hand out logged-in cookies. `expires_at` is compared with the caller's clock.

CREATE TABLE sessions (
    token_hash bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
