-- PostgreSQL's 009_mfa.sql: PostgreSQL's INTEGER is 32 bits (times are milliseconds, which
-- need BIGINT) and its blobs are BYTEA.
CREATE TABLE mfa_totp (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    last_step BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE mfa_recovery_codes (
    code_hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes(user_id);

CREATE TABLE mfa_pending (
    token_hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'enrol')),
    expires_at BIGINT NOT NULL
);
