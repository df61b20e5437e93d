-- Sealed values are bound to their row as well as their column (core/seal.h, version 1).
-- A row here asks store_migrate to re-seal, once, the values sealed before (version 0,
-- bound to their column only); it does so in one transaction and empties this table.
CREATE TABLE seal_upgrade (from_version INTEGER NOT NULL);
INSERT INTO seal_upgrade (from_version) VALUES (0);
