-- PostgreSQL's 008_audit_chain.sql: its blobs are BYTEA, and its triggers call a PL/pgSQL
-- function where SQLite's raise in the trigger's body (RAISE(ABORT)). The rule is the
-- same: a row with its hash is never changed, no row is ever deleted.
ALTER TABLE audit_log ADD COLUMN source TEXT;
ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'ok';
ALTER TABLE audit_log ADD COLUMN record_hash BYTEA;
CREATE INDEX audit_log_actor ON audit_log(actor_user_id, id);
CREATE INDEX audit_log_action ON audit_log(action, id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
    FOR EACH ROW WHEN (OLD.record_hash IS NOT NULL)
    EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
