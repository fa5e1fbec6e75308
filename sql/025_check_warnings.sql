-- Between boots (nodes/live_checks.py): the warnings of a node's last check (JSON list: a slave's
-- link down, a NIC without carrier), kept whether or not it found differences: they are the
-- node's condition, not drift. NULL: none. 024's drift keeps only the differences now.

ALTER TABLE hosts ADD COLUMN check_warnings TEXT;
