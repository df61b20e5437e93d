-- The audit log becomes a hash chain: each entry's record_hash is a keyed BLAKE2b over the
-- previous entry's hash and its own fields (store/audit.c), so an edited, deleted or
-- reordered entry breaks the chain. Entries also say where a request came from and how it
-- ended. Rows are never changed: the one update allowed gives a row made before this
-- migration its hash, once.
ALTER TABLE audit_log ADD COLUMN source TEXT;
ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE audit_log ADD COLUMN record_hash BLOB;
CREATE INDEX audit_log_actor ON audit_log(actor_user_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
    WHEN OLD.record_hash IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
