-- PostgreSQL's 013_meeting_state.sql: PostgreSQL's INTEGER is 32 bits (ids and times in
-- milliseconds need BIGINT), its blobs are BYTEA, and it has no rowid (the store assigns
-- meeting_admitted's ids itself, store_next_id, so they are plain BIGINT keys).
CREATE TABLE meeting_locks (
    occurrence_id BIGINT PRIMARY KEY REFERENCES occurrences(id),
    at BIGINT NOT NULL
);
CREATE TABLE meeting_admitted (
    id BIGINT PRIMARY KEY,
    occurrence_id BIGINT NOT NULL REFERENCES occurrences(id),
    participant BIGINT NOT NULL,
    client_id BIGINT REFERENCES clients(id),
    user_id BIGINT REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('host', 'cohost', 'client')),
    name_sealed BYTEA NOT NULL,
    key_hash BYTEA NOT NULL UNIQUE,
    admitted_at BIGINT NOT NULL,
    CHECK ((client_id IS NULL) <> (user_id IS NULL)),
    UNIQUE (occurrence_id, participant)
);
CREATE INDEX meeting_admitted_occurrence ON meeting_admitted(occurrence_id);
