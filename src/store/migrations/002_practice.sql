-- Clients, groups, sessions (a series and its occurrences), personal links, the mail
-- outbox and the reminders already sent. Every column that names or reaches a person is
-- sealed (core/seal.h): *_sealed columns hold XChaCha20-Poly1305 boxes.
CREATE TABLE clients (
    id INTEGER PRIMARY KEY,
    therapist_id INTEGER NOT NULL REFERENCES users(id),
    name_sealed BLOB NOT NULL,
    email_sealed BLOB NOT NULL,
    phone_sealed BLOB,
    emergency_sealed BLOB,
    time_zone TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    archived_at INTEGER
);
CREATE INDEX clients_therapist ON clients(therapist_id);

CREATE TABLE therapy_groups (
    id INTEGER PRIMARY KEY,
    therapist_id INTEGER NOT NULL REFERENCES users(id),
    name_sealed BLOB NOT NULL,
    description_sealed BLOB NOT NULL,
    agreement_sealed BLOB NOT NULL,
    agreement_version INTEGER NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 2 AND 16),
    created_at INTEGER NOT NULL,
    archived_at INTEGER
);

CREATE TABLE group_members (
    group_id INTEGER NOT NULL REFERENCES therapy_groups(id),
    client_id INTEGER NOT NULL REFERENCES clients(id),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, client_id)
);

CREATE TABLE group_facilitators (
    group_id INTEGER NOT NULL REFERENCES therapy_groups(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);

-- A session as the therapist schedules it: one-off (rrule '') or weekly.
CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    therapist_id INTEGER NOT NULL REFERENCES users(id),
    client_id INTEGER REFERENCES clients(id),
    group_id INTEGER REFERENCES therapy_groups(id),
    title_sealed BLOB NOT NULL,
    time_zone TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    rrule TEXT NOT NULL,
    settings TEXT NOT NULL,
    ics_uid TEXT NOT NULL UNIQUE,
    sequence INTEGER NOT NULL,
    host_token_hash BLOB NOT NULL UNIQUE,
    host_token_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    cancelled_at INTEGER,
    CHECK ((client_id IS NULL) <> (group_id IS NULL))
);
CREATE INDEX series_therapist ON series(therapist_id);

-- One meeting of a series, with its own meeting id and password.
CREATE TABLE occurrences (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id),
    therapist_id INTEGER NOT NULL REFERENCES users(id),
    original_start INTEGER NOT NULL,
    starts_at INTEGER NOT NULL,
    ends_at INTEGER NOT NULL,
    meeting_id TEXT NOT NULL UNIQUE,
    password_sealed BLOB NOT NULL,
    cancelled_at INTEGER,
    UNIQUE (series_id, original_start)
);
CREATE INDEX occurrences_therapist_start ON occurrences(therapist_id, starts_at);
CREATE INDEX occurrences_start ON occurrences(starts_at);

-- A personal link /j/<token>: one per client per series. The token is kept hashed for
-- look-ups and sealed so the therapist can see the link again.
CREATE TABLE invites (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id),
    client_id INTEGER NOT NULL REFERENCES clients(id),
    token_hash BLOB NOT NULL UNIQUE,
    token_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    UNIQUE (series_id, client_id)
);

-- Mail is written here in the transaction that causes it and sent by the mail thread.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient_sealed BLOB NOT NULL,
    message_sealed BLOB NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at INTEGER,
    last_error TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

CREATE TABLE reminders_sent (
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    minutes_before INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (occurrence_id, minutes_before)
);
