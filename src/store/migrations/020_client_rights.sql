-- A client erased at their request: the contact details are gone at once and the client
-- leaves every list (erased_at; archived_at is set too); what must be kept for the
-- practice's retention period stays, sealed, until the daily purge lets it go. One hold a
-- client and a kind of record (store/client_records.c names the kinds), so the tables
-- that hold the records need no column of their own.
ALTER TABLE clients ADD COLUMN erased_at INTEGER;

CREATE TABLE record_holds (
    client_id INTEGER NOT NULL REFERENCES clients(id),
    record_kind TEXT NOT NULL,
    held_until INTEGER NOT NULL,
    PRIMARY KEY (client_id, record_kind)
);
CREATE INDEX record_holds_until ON record_holds(held_until);
