-- Two-step sign-in for practitioners.
-- A TOTP secret (base32), sealed for its row: the row's id is the user's id. confirmed_at
-- stays NULL until a first code from the app was typed; last_step is the newest 30-second
-- step a code was accepted for, so no code is accepted twice. (Not in the list of columns
-- the one-time re-sealing of migration 7 walks: no value here was ever sealed without
-- its row.)
CREATE TABLE mfa_totp (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_sealed BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER NOT NULL DEFAULT 0
);

-- One-time recovery codes: only a keyed BLAKE2b of the user's id and the code is kept
-- (store/mfa.c); used_at is set when one was used.
CREATE TABLE mfa_recovery_codes (
    code_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX mfa_recovery_codes_user ON mfa_recovery_codes(user_id);

-- A sign-in half done: the password was right, the second step is still to come
-- ('verify': a code; 'enrol': set up TOTP first). The cookie holds a random token; only
-- its hash is kept here.
CREATE TABLE mfa_pending (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'enrol')),
    expires_at INTEGER NOT NULL
);
