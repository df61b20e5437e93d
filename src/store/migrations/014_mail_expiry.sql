-- A mail that is no use after a moment (a reminder, after its session has begun) carries
-- that moment; pending at it, it fails as expired instead of being sent late. NULL: a
-- mail that is never too late (an invitation).
ALTER TABLE outbox ADD COLUMN expires_at INTEGER;
