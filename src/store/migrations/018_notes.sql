-- A practitioner's private notes about a session: one per client per occurrence (a
-- one-to-one session's client, or a group member who attended) and one for the group
-- itself (client_id NULL). The body — the sections of its template as JSON — is sealed for
-- its row. A note is a draft until signed (signed_by, signed_at); version counts its
-- changes, so a change made from an older copy is refused. Addenda come after the
-- signature and never change; each is sealed for its row.
CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    series_id INTEGER NOT NULL REFERENCES series(id),
    client_id INTEGER REFERENCES clients(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    template TEXT NOT NULL CHECK (template IN ('soap', 'dap', 'free')),
    body_sealed BLOB NOT NULL,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    signed_by INTEGER REFERENCES users(id),
    signed_at INTEGER,
    CHECK ((signed_by IS NULL) = (signed_at IS NULL))
);
CREATE UNIQUE INDEX notes_client_once ON notes(occurrence_id, client_id) WHERE client_id IS NOT NULL;
CREATE UNIQUE INDEX notes_group_once ON notes(occurrence_id) WHERE client_id IS NULL;
CREATE INDEX notes_client ON notes(client_id);
CREATE TABLE note_addenda (
    id INTEGER PRIMARY KEY,
    note_id INTEGER NOT NULL REFERENCES notes(id),
    author_id INTEGER NOT NULL REFERENCES users(id),
    body_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX note_addenda_note ON note_addenda(note_id);
