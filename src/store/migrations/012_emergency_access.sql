-- Emergency ("break-glass") access: an administrator opened another practitioner's client
-- for a reason they gave. The grant lasts until expires_at; the reason is sealed for its
-- row (it may say why the client is at risk); seen_at is set when the owning practitioner
-- has seen it on their dashboard.
CREATE TABLE emergency_access (
    id INTEGER PRIMARY KEY,
    client_id INTEGER NOT NULL REFERENCES clients(id),
    admin_user_id INTEGER NOT NULL REFERENCES users(id),
    therapist_user_id INTEGER NOT NULL REFERENCES users(id),
    reason_sealed BLOB NOT NULL,
    opened_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    seen_at INTEGER
);
CREATE INDEX emergency_access_client ON emergency_access(client_id, admin_user_id);
CREATE INDEX emergency_access_therapist ON emergency_access(therapist_user_id, opened_at);
