-- The account lifecycle: an administrator disables and enables accounts and invites
-- practitioners, who set their own password through a one-time link.
-- disabled_at: set while the account may not sign in (its sign-ins end when it is set).
-- An invited account has password_hash '' until its invitation is accepted.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;

-- One-time links that let an invited practitioner set their password. Only a keyed
-- BLAKE2b of the token is kept (store/accounts.c), so a copy of the database lets nobody
-- accept one. used_at is set when it was accepted; it works until expires_at.
CREATE TABLE user_invitations (
    token_hash BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX user_invitations_user ON user_invitations(user_id);
