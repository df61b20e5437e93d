-- Group intake: a group's public interest link, and the waitlist its form fills. A link
-- is kept as a keyed hash of its token (looked up by it) and the token sealed for its row
-- (the practitioner can copy the link again); the practitioner's screening questions are
-- sealed too. A group has at most one open link: opening another closes the one before.
-- A waitlist entry's name, contact, preferred times and answers are sealed for its row;
-- it is deleted when the practitioner takes the person in or declines them.
CREATE TABLE interest_links (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES therapy_groups(id),
    token_hash BLOB NOT NULL UNIQUE,
    token_sealed BLOB NOT NULL,
    questions_sealed BLOB NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL,
    closed_at INTEGER
);
CREATE INDEX interest_links_group ON interest_links(group_id);
CREATE TABLE waitlist_entries (
    id INTEGER PRIMARY KEY,
    group_id INTEGER NOT NULL REFERENCES therapy_groups(id),
    link_id INTEGER NOT NULL REFERENCES interest_links(id),
    name_sealed BLOB NOT NULL,
    contact_sealed BLOB NOT NULL,
    times_sealed BLOB NOT NULL,
    answers_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX waitlist_entries_group ON waitlist_entries(group_id);
