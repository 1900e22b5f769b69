-- Dashboard login sessions (SQLite). Conventions as in 0001_initial.sql.
--
-- A session is stored by the SHA-256 of its cookie token, never by the token itself, so a leaked database
-- does not hand out logged-in cookies. `expires_at` is compared with the caller's clock.

CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY NOT NULL CHECK (length(token_hash) = 32),
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
