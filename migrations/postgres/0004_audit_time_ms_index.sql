-- Same version as migrations/sqlite/0004_audit_time_ms_index.sql, which re-indexes SQLite's audit by
-- time_ms because its time is a 27-character text. Here time is a timestamptz (8 bytes) and the index
-- (account_id, time) is already as small as one on time_ms would be: nothing to change.
SELECT 1;
