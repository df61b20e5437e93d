-- PostgreSQL's 010_account_lifecycle.sql: PostgreSQL's INTEGER is 32 bits (times are
-- milliseconds, which need BIGINT) and its blobs are BYTEA.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;

CREATE TABLE user_invitations (
    token_hash BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX user_invitations_user ON user_invitations(user_id);
