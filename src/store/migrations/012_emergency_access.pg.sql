-- PostgreSQL's 012_emergency_access.sql: PostgreSQL's INTEGER is 32 bits (times are
-- milliseconds, which need BIGINT), its blobs are BYTEA, and it has no rowid (the store
-- assigns these ids itself, store_next_id, so they are plain BIGINT keys).
CREATE TABLE emergency_access (
    id BIGINT PRIMARY KEY,
    client_id BIGINT NOT NULL REFERENCES clients(id),
    admin_user_id BIGINT NOT NULL REFERENCES users(id),
    therapist_user_id BIGINT NOT NULL REFERENCES users(id),
    reason_sealed BYTEA NOT NULL,
    opened_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    seen_at BIGINT
);
CREATE INDEX emergency_access_client ON emergency_access(client_id, admin_user_id);
CREATE INDEX emergency_access_therapist ON emergency_access(therapist_user_id, opened_at);
