-- Upgrading the server before its nodes (trust/credential_use.py). credential_presented: has the
-- node ever presented the credential it holds? An agent older than node credentials throws the
-- one it is issued away; while a credential was never presented, the same hardware may be issued
-- a new one, and, unless credentials are required, the node is served as before it held one.
-- Credentials issued before this release count as presented (nothing says otherwise).
-- installation_settings: settings every server on the database shares. require_credentials is
-- 'on' for a new installation and 'off' for one upgraded with nodes in it, until an administrator
-- turns it on. One file for both databases.

ALTER TABLE hosts ADD COLUMN credential_presented BOOLEAN NOT NULL DEFAULT TRUE;

CREATE TABLE installation_settings (
    name   VARCHAR(64) NOT NULL,
    value  VARCHAR(255) NOT NULL,
    CONSTRAINT installation_settings_pkey PRIMARY KEY (name)
);

INSERT INTO installation_settings (name, value)
SELECT 'require_credentials', CASE WHEN EXISTS (SELECT 1 FROM hosts) THEN 'off' ELSE 'on' END;
