-- Check-ins: the measures (PHQ-9, GAD-7, a mood check-in) a practitioner asks a client to
-- answer before a session, chosen for a client (their one-to-one sessions) or for a group
-- (its group sessions); the answers, each for one occurrence at most once; and the risk
-- alerts an answer above 0 to PHQ-9 item 9 raises for the client's practitioner.
-- The answers and the mood word are sealed for their row; the total and band stay plain
-- for the charts (a number and a band name on their own).
CREATE TABLE checkin_choices (
    id INTEGER PRIMARY KEY,
    client_id INTEGER UNIQUE REFERENCES clients(id),
    group_id INTEGER UNIQUE REFERENCES therapy_groups(id),
    measures TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((client_id IS NULL) <> (group_id IS NULL))
);
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    occurrence_id INTEGER REFERENCES occurrences(id),
    measure TEXT NOT NULL CHECK (measure IN ('phq9', 'gad7', 'mood')),
    total INTEGER NOT NULL,
    band TEXT,
    risk INTEGER NOT NULL,
    answers_sealed BLOB NOT NULL,
    word_sealed BLOB,
    answered_at INTEGER NOT NULL,
    UNIQUE (occurrence_id, client_id, measure)
);
CREATE INDEX checkins_client ON checkins(client_id, answered_at);
CREATE TABLE care_alerts (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    therapist_id INTEGER NOT NULL REFERENCES users(id),
    checkin_id INTEGER NOT NULL REFERENCES checkins(id),
    occurrence_id INTEGER REFERENCES occurrences(id),
    raised_at INTEGER NOT NULL,
    seen_at INTEGER,
    seen_by INTEGER REFERENCES users(id)
);
CREATE INDEX care_alerts_therapist ON care_alerts(therapist_id, seen_at);
