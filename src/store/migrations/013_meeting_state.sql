-- What a live meeting needs to come back after confide restarts: whether it is locked,
-- and who had been admitted, so they rejoin with their key without the waiting room.
-- The rejoin key is kept only as its BLAKE2b hash (a copy of the database lets nobody
-- in) and the name shown in the meeting is sealed for its row. The rows of an occurrence
-- are deleted when its meeting ends or closes; attendance keeps the record of who came.
CREATE TABLE meeting_locks (
    occurrence_id INTEGER PRIMARY KEY REFERENCES occurrences(id),
    at INTEGER NOT NULL
);
CREATE TABLE meeting_admitted (
    id INTEGER PRIMARY KEY,
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    participant INTEGER NOT NULL,
    client_id INTEGER REFERENCES clients(id),
    user_id INTEGER REFERENCES users(id),
    role TEXT NOT NULL CHECK (role IN ('host', 'cohost', 'client')),
    name_sealed BLOB NOT NULL,
    key_hash BLOB NOT NULL UNIQUE,
    admitted_at INTEGER NOT NULL,
    CHECK ((client_id IS NULL) <> (user_id IS NULL)),
    UNIQUE (occurrence_id, participant)
);
CREATE INDEX meeting_admitted_occurrence ON meeting_admitted(occurrence_id);
