-- SQLite variant of 014_fleet_templates.postgres.sql (rowid ids, TIMESTAMP). Keep the two in step.
-- Fleet networks (ovirt_node_config/fleet/).
--
-- network_templates: a named desired network, its document as checked (JSON; fleet/template.py).
-- template_rules: which nodes get which template at enrolment: a match (JSON: host name glob,
-- UUIDs, MACs, hardware facts; fleet/placement.py), tried in ascending priority, the first
-- that matches wins; max_count bounds how many nodes a rule may place (NULL: no bound).
-- host_templates: the template a node was given (by a rule, rule_id, or by an administrator,
-- NULL), and the last audit entry of that application, so that a later change by hand shows
-- the node as drifted.
CREATE TABLE network_templates (
    id          INTEGER NOT NULL,
    name        VARCHAR(64) NOT NULL,
    document    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT network_templates_pkey PRIMARY KEY (id),
    CONSTRAINT network_templates_name_key UNIQUE (name)
);

CREATE TABLE template_rules (
    id           INTEGER NOT NULL,
    name         VARCHAR(64) NOT NULL,
    priority     INTEGER NOT NULL,
    template_id  BIGINT NOT NULL,
    match        TEXT NOT NULL,
    max_count    INTEGER,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT template_rules_pkey PRIMARY KEY (id),
    CONSTRAINT template_rules_name_key UNIQUE (name),
    CONSTRAINT template_rules_template_id_fkey FOREIGN KEY (template_id) REFERENCES network_templates (id),
    CONSTRAINT template_rules_max_count_check CHECK (max_count IS NULL OR max_count >= 0)
);

CREATE TABLE host_templates (
    host_id           BIGINT NOT NULL,
    template_id       BIGINT NOT NULL,
    rule_id           BIGINT,
    applied_audit_id  BIGINT NOT NULL,
    applied_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT host_templates_pkey PRIMARY KEY (host_id),
    CONSTRAINT host_templates_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT host_templates_template_id_fkey FOREIGN KEY (template_id) REFERENCES network_templates (id),
    CONSTRAINT host_templates_rule_id_fkey FOREIGN KEY (rule_id) REFERENCES template_rules (id) ON DELETE SET NULL
);
CREATE INDEX ix_host_templates_rule_id ON host_templates (rule_id);
CREATE INDEX ix_host_templates_template_id ON host_templates (template_id);
