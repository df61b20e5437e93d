-- Practitioner accounts, their sign-in sessions, and the audit log.
-- Names and emails are sealed (core/seal.h); email_index is their keyed hash for look-ups.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email_index BLOB NOT NULL UNIQUE,
    email_sealed BLOB NOT NULL,
    name_sealed BLOB NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'therapist')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- A sign-in. The cookie holds a random token; only its hash is kept here.
CREATE TABLE login_sessions (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX login_sessions_user ON login_sessions(user_id);

-- Append-only: who did what to which record, never the content.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_user_id INTEGER,
    action TEXT NOT NULL,
    subject_id INTEGER
);
