-- Several nodes send one outbox: a row being sent names the node that claimed it and
-- when that claim lapses. A node returns only its own claims at start; a claim that has
-- lapsed (its node died) goes back to pending at any node's next claim. A row left
-- 'sending' from before this migration has neither, and counts as lapsed.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_expires_at INTEGER;
