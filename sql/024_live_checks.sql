-- Between boots (nodes/live_checks.py): the agent's check mode compares the node's live network with
-- what it last applied and reports the differences. drift holds the last verdict that found one
-- (JSON: {"differences": [...], "warnings": [...]}; NULL: in sync, or never checked), drift_since_ms
-- when that verdict was first seen, checked_at_ms the last check (coarse: a verdict repeated is not
-- written again for a while). resync_requested: an administrator asked that the node's next check
-- apply its configuration again. Times are milliseconds since the epoch. One file for both databases.

ALTER TABLE hosts ADD COLUMN drift TEXT;
ALTER TABLE hosts ADD COLUMN drift_since_ms BIGINT;
ALTER TABLE hosts ADD COLUMN checked_at_ms BIGINT;
ALTER TABLE hosts ADD COLUMN resync_requested BOOLEAN NOT NULL DEFAULT FALSE;
