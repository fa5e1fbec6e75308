-- SQLite variant of 012_node_status.postgres.sql (TIMESTAMP). Keep the two in step.
-- What each node says after every boot (ovirt_node_config/node_status.py; the node method
-- report_status), and when it was last seen. A node's state (ok, pending reboot, degraded,
-- rolled back, verify failed, never applied) is derived from these in node_status.state_of.
--
-- last_seen_at: its last identify that stored anything, or its last status report.
-- last_outcome: applied, unchanged (nothing to do), rolled_back, apply_failed, verify_failed,
-- refused; last_reason: why, in the agent's words; applied_digest: the SHA-256 of the
-- configuration file it applied (NULL: none yet); config_digest: the SHA-256 of the file it
-- would get now, renewed by every administrator's change and every status report; so a node
-- whose two digests differ has a change waiting for its reboot. last_status: the kernel's view
-- it reported (bonds: mode, slaves up, active slave, aggregators) and its timings, as JSON;
-- reported_degraded: that view showed a bond with a slave down or 802.3ad ports apart.

ALTER TABLE hosts ADD COLUMN last_seen_at TIMESTAMP;
ALTER TABLE hosts ADD COLUMN last_report_at TIMESTAMP;
ALTER TABLE hosts ADD COLUMN last_outcome VARCHAR(16)
    CONSTRAINT hosts_last_outcome_check CHECK (last_outcome IN
        ('applied', 'unchanged', 'rolled_back', 'apply_failed', 'verify_failed', 'refused'));
ALTER TABLE hosts ADD COLUMN last_reason VARCHAR(1000);
ALTER TABLE hosts ADD COLUMN applied_digest CHAR(64);
ALTER TABLE hosts ADD COLUMN config_digest CHAR(64);
ALTER TABLE hosts ADD COLUMN last_status TEXT
    CONSTRAINT hosts_last_status_check CHECK (length(last_status) <= 65536);
ALTER TABLE hosts ADD COLUMN reported_degraded BOOLEAN;
