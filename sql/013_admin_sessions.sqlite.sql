-- SQLite variant of 013_admin_sessions.postgres.sql (TIMESTAMP). Keep the two in step.
-- Administrators' sessions (ovirt_node_config/admin_sessions.py): `ovirt-node-admin login`
-- checks the password once and gets a token; later calls send it instead of the password.
-- Only the token's SHA-256 is kept. A session ends at expires_at, at logout, or with its
-- administrator's account.
CREATE TABLE admin_sessions (
    token_hash  CHAR(64) NOT NULL,
    admin_id    BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    expires_at  TIMESTAMP NOT NULL,
    CONSTRAINT admin_sessions_pkey PRIMARY KEY (token_hash),
    CONSTRAINT admin_sessions_admin_id_fkey FOREIGN KEY (admin_id) REFERENCES admins (id) ON DELETE CASCADE
);
CREATE INDEX ix_admin_sessions_admin_id ON admin_sessions (admin_id);
