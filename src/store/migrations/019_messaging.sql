-- Secure messaging between sessions: a thread per client and an announcement thread per
-- group. A message's text is sealed for its row. read_at is when the other side first
-- read it: the client for a practitioner's message, the practitioner for a client's.
-- A group's announcements are read by each member: announcement_reads.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    client_id INTEGER REFERENCES clients(id),
    group_id INTEGER REFERENCES therapy_groups(id),
    author_user_id INTEGER REFERENCES users(id),
    body_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    CHECK ((client_id IS NULL) <> (group_id IS NULL)),
    CHECK (group_id IS NULL OR author_user_id IS NOT NULL)
);
CREATE INDEX messages_client ON messages(client_id, id);
CREATE INDEX messages_group ON messages(group_id, id);
CREATE TABLE announcement_reads (
    message_id INTEGER NOT NULL REFERENCES messages(id),
    client_id INTEGER NOT NULL REFERENCES clients(id),
    read_at INTEGER NOT NULL,
    PRIMARY KEY (message_id, client_id)
);
-- A one-time messaging link (15 minutes) and the device sign-ins it makes (30 days):
-- only the tokens' BLAKE2b hashes are kept, so a copy of the database signs nobody in.
CREATE TABLE inbox_links (
    token_hash BLOB PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX inbox_links_client ON inbox_links(client_id);
CREATE TABLE inbox_signins (
    token_hash BLOB PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX inbox_signins_client ON inbox_signins(client_id);
-- A practitioner's availability note ("I reply within two working days"), sealed for
-- the practitioner's row.
CREATE TABLE availability_notes (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    note_sealed BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);
