-- PostgreSQL's 001_accounts.sql: PostgreSQL's INTEGER is 32 bits (times are milliseconds,
-- which need BIGINT), its blobs are BYTEA, and it has no rowid (the store assigns these ids
-- itself, store_next_id, so they are plain BIGINT keys).
CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    email_index BYTEA NOT NULL UNIQUE,
    email_sealed BYTEA NOT NULL,
    name_sealed BYTEA NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'therapist')),
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE login_sessions (
    token_hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions(user_id);

CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    action TEXT NOT NULL,
    subject_id BIGINT
);
