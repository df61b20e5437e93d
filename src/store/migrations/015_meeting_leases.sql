-- Which node carries a live meeting when several confide nodes share one database: a row
-- per occurrence, claimed atomically by the node that opens the meeting and renewed by it
-- every few seconds. A node that stops renewing (it died, or lost the database) lets
-- another claim the meeting once expires_at has passed. node_url is where pages that
-- reached another node are sent.
CREATE TABLE meeting_leases (
    occurrence_id INTEGER PRIMARY KEY REFERENCES occurrences(id),
    node_id TEXT NOT NULL,
    node_url TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX meeting_leases_node ON meeting_leases(node_id);
