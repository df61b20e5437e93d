-- Who was removed from or denied entry to a meeting: it holds for the rest of that
-- meeting, across reconnects and restarts, until a host lets them knock again (which
-- deletes the row). One row per person and occurrence.
CREATE TABLE turned_away (
    id INTEGER PRIMARY KEY,
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    client_id INTEGER REFERENCES clients(id),
    user_id INTEGER REFERENCES users(id),
    what TEXT NOT NULL CHECK (what IN ('removed', 'denied')),
    at INTEGER NOT NULL,
    CHECK ((client_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX turned_away_occurrence ON turned_away(occurrence_id);
