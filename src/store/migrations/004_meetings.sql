-- What happens in meetings that outlives them: who accepted which wording of a group's
-- agreement, and attendance (joined, admitted, denied, dropped, returned, left, removed).
-- Chat is never stored.
CREATE TABLE agreement_acceptances (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    group_id INTEGER NOT NULL REFERENCES therapy_groups(id),
    version INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL
);
CREATE INDEX agreement_acceptances_client ON agreement_acceptances(client_id, group_id);

CREATE TABLE attendance (
    id INTEGER PRIMARY KEY,
    occurrence_id INTEGER NOT NULL REFERENCES occurrences(id),
    client_id INTEGER REFERENCES clients(id),
    user_id INTEGER REFERENCES users(id),
    event TEXT NOT NULL CHECK (event IN ('joined', 'admitted', 'denied', 'dropped', 'returned',
                                         'left', 'removed')),
    at INTEGER NOT NULL,
    CHECK ((client_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX attendance_occurrence ON attendance(occurrence_id, at);

-- A meeting the therapist ended for everyone stays ended: its links say so.
ALTER TABLE occurrences ADD COLUMN ended_at INTEGER;
