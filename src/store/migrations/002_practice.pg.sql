-- PostgreSQL's 002_practice.sql: PostgreSQL's INTEGER is 32 bits (times are milliseconds,
-- which need BIGINT), its blobs are BYTEA, and it has no rowid (the store assigns these ids
-- itself, store_next_id, so they are plain BIGINT keys).
CREATE TABLE clients (
    id BIGINT PRIMARY KEY,
    therapist_id BIGINT NOT NULL REFERENCES users(id),
    name_sealed BYTEA NOT NULL,
    email_sealed BYTEA NOT NULL,
    phone_sealed BYTEA,
    emergency_sealed BYTEA,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    archived_at BIGINT
);
CREATE INDEX clients_therapist ON clients(therapist_id);

CREATE TABLE therapy_groups (
    id BIGINT PRIMARY KEY,
    therapist_id BIGINT NOT NULL REFERENCES users(id),
    name_sealed BYTEA NOT NULL,
    description_sealed BYTEA NOT NULL,
    agreement_sealed BYTEA NOT NULL,
    agreement_version BIGINT NOT NULL,
    capacity BIGINT NOT NULL CHECK (capacity BETWEEN 2 AND 16),
    created_at BIGINT NOT NULL,
    archived_at BIGINT
);

CREATE TABLE group_members (
    group_id BIGINT NOT NULL REFERENCES therapy_groups(id),
    client_id BIGINT NOT NULL REFERENCES clients(id),
    added_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, client_id)
);

CREATE TABLE group_facilitators (
    group_id BIGINT NOT NULL REFERENCES therapy_groups(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);

CREATE TABLE series (
    id BIGINT PRIMARY KEY,
    therapist_id BIGINT NOT NULL REFERENCES users(id),
    client_id BIGINT REFERENCES clients(id),
    group_id BIGINT REFERENCES therapy_groups(id),
    title_sealed BYTEA NOT NULL,
    time_zone TEXT NOT NULL,
    duration_minutes BIGINT NOT NULL,
    rrule TEXT NOT NULL,
    settings TEXT NOT NULL,
    ics_uid TEXT NOT NULL UNIQUE,
    sequence BIGINT NOT NULL,
    host_token_hash BYTEA NOT NULL UNIQUE,
    host_token_sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    CHECK ((client_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX series_therapist ON series(therapist_id);

CREATE TABLE occurrences (
    id BIGINT PRIMARY KEY,
    series_id BIGINT NOT NULL REFERENCES series(id),
    therapist_id BIGINT NOT NULL REFERENCES users(id),
    original_start BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    meeting_id TEXT NOT NULL UNIQUE,
    password_sealed BYTEA NOT NULL,
    cancelled_at BIGINT,
    UNIQUE (series_id, original_start)
);
CREATE INDEX occurrences_therapist_start ON occurrences(therapist_id, starts_at);
CREATE INDEX occurrences_start ON occurrences(starts_at);

CREATE TABLE invites (
    id BIGINT PRIMARY KEY,
    series_id BIGINT NOT NULL REFERENCES series(id),
    client_id BIGINT NOT NULL REFERENCES clients(id),
    token_hash BYTEA NOT NULL UNIQUE,
    token_sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    UNIQUE (series_id, client_id)
);

CREATE TABLE outbox (
    id BIGINT PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient_sealed BYTEA NOT NULL,
    message_sealed BYTEA NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

CREATE TABLE reminders_sent (
    occurrence_id BIGINT NOT NULL REFERENCES occurrences(id),
    minutes_before BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (occurrence_id, minutes_before)
);
