-- "Find a time": a therapist proposes candidate slots for a group, each member answers
-- through a personal link /p/<token>, and the session is made from the best slot. As in
-- 002, what names or reaches a person is sealed: the title and the link token.
CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    therapist_id INTEGER NOT NULL REFERENCES users(id),
    group_id INTEGER NOT NULL REFERENCES therapy_groups(id),
    title_sealed BLOB NOT NULL,
    time_zone TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    closed_at INTEGER,
    session_id INTEGER REFERENCES series(id)
);
CREATE INDEX polls_therapist ON polls(therapist_id);

CREATE TABLE poll_slots (
    id INTEGER PRIMARY KEY,
    poll_id INTEGER NOT NULL REFERENCES polls(id),
    starts_at INTEGER NOT NULL,
    UNIQUE (poll_id, starts_at)
);

-- One per member asked. The token is kept hashed for look-ups and sealed so the therapist
-- can see the link again.
CREATE TABLE poll_invites (
    id INTEGER PRIMARY KEY,
    poll_id INTEGER NOT NULL REFERENCES polls(id),
    client_id INTEGER NOT NULL REFERENCES clients(id),
    token_hash BLOB NOT NULL UNIQUE,
    token_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (poll_id, client_id)
);

CREATE TABLE poll_answers (
    invite_id INTEGER NOT NULL REFERENCES poll_invites(id),
    slot_id INTEGER NOT NULL REFERENCES poll_slots(id),
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'maybe', 'no')),
    answered_at INTEGER NOT NULL,
    PRIMARY KEY (invite_id, slot_id)
);
