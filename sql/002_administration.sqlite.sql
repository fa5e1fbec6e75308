-- SQLite variant of 002_administration.postgres.sql (INTEGER ids, TIMESTAMP). Keep the two in step.
-- Administrator accounts and the audit trail of every administrative change.

CREATE TABLE admins (
    id             INTEGER NOT NULL,
    name           VARCHAR(64) NOT NULL,
    password_hash  VARCHAR(255) NOT NULL,
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT admins_pkey PRIMARY KEY (id),
    CONSTRAINT admins_name_key UNIQUE (name),
    CONSTRAINT admins_name_check CHECK (length(name) BETWEEN 1 AND 64)
);

-- host_id has no foreign key on purpose: the history of a deleted node stays readable.
CREATE TABLE audit_log (
    id        INTEGER NOT NULL,
    at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    actor     VARCHAR(64) NOT NULL,
    host_id   BIGINT,
    hostname  VARCHAR(255) NOT NULL,
    action    VARCHAR(64) NOT NULL,
    before    TEXT,
    after     TEXT,
    CONSTRAINT audit_log_pkey PRIMARY KEY (id)
);
CREATE INDEX ix_audit_log_host_id ON audit_log (host_id, id);
