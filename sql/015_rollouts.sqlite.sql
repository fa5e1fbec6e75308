-- SQLite variant of 015_rollouts.postgres.sql (rowid ids, TIMESTAMP). Keep the two in step.
-- Rollouts of a template over enrolled nodes, in waves (ovirt_node_config/fleet/rollout.py).
-- A rollout applies its template to `canary` nodes first; once they report a good boot, to at
-- most `max_pending` nodes waiting for their reboot at once. It stops by itself when a node
-- reports a rollback or a verification failure (stopped_reason says which), and an
-- administrator resumes or abandons it. rollout_nodes: each node's place in line (position)
-- and where it is: waiting, pending (applied, its reboot not yet reported), ok, failed (its
-- boot rolled back or failed verification), skipped (the template does not fit it: reason).
CREATE TABLE rollouts (
    id              INTEGER NOT NULL,
    name            VARCHAR(64) NOT NULL,
    template_id     BIGINT NOT NULL,
    state           VARCHAR(10) NOT NULL DEFAULT 'running',
    canary          INTEGER NOT NULL,
    max_pending     INTEGER NOT NULL,
    stopped_reason  VARCHAR(1000),
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT rollouts_pkey PRIMARY KEY (id),
    CONSTRAINT rollouts_name_key UNIQUE (name),
    CONSTRAINT rollouts_template_id_fkey FOREIGN KEY (template_id) REFERENCES network_templates (id),
    CONSTRAINT rollouts_state_check CHECK (state IN ('running', 'stopped', 'abandoned', 'done')),
    CONSTRAINT rollouts_canary_check CHECK (canary >= 0),
    CONSTRAINT rollouts_max_pending_check CHECK (max_pending >= 1)
);

CREATE TABLE rollout_nodes (
    rollout_id  BIGINT NOT NULL,
    host_id     BIGINT NOT NULL,
    position    INTEGER NOT NULL,
    status      VARCHAR(8) NOT NULL DEFAULT 'waiting',
    reason      VARCHAR(1000),
    CONSTRAINT rollout_nodes_pkey PRIMARY KEY (rollout_id, host_id),
    CONSTRAINT rollout_nodes_rollout_id_fkey FOREIGN KEY (rollout_id) REFERENCES rollouts (id) ON DELETE CASCADE,
    CONSTRAINT rollout_nodes_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT rollout_nodes_status_check CHECK (status IN ('waiting', 'pending', 'ok', 'failed', 'skipped'))
);
CREATE INDEX ix_rollout_nodes_host_id ON rollout_nodes (host_id);
