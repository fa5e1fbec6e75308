-- SQLite variant of 026_roles.postgres.sql (INTEGER ids, TIMESTAMP; the role's check on the
-- column, as SQLite adds no constraint to a table). Keep the two in step.

ALTER TABLE admins ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'admin'
    CONSTRAINT admins_role_check CHECK (role IN ('viewer', 'operator', 'admin'));
ALTER TABLE admins ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE refusals (
    id       INTEGER NOT NULL,
    at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    actor    VARCHAR(64) NOT NULL,
    address  VARCHAR(64) NOT NULL,
    what     VARCHAR(80) NOT NULL,
    why      VARCHAR(300) NOT NULL,
    CONSTRAINT refusals_pkey PRIMARY KEY (id)
);
