-- SQLite variant of 007_node_trust.postgres.sql (INTEGER ids, TIMESTAMP). Keep the two in step.
-- Node identity and trust (ovirt_node_config/trust/).
--
-- hosts.credential_hash: the node's credential, issued once at enrolment, stored only as
-- HMAC-SHA256 under the installation's key (node_credential_keys). NULL: the host holds none
-- (enrolled before credentials existed, by a 2008 appliance, or reset by an administrator);
-- its next identify enrols it again under the enrolment policy.
--
-- node_claims: what a node asked for and did not get applied, held for an administrator:
-- an enrolment waiting for approval, or a report that conflicts with the inventory (it would
-- rename a host, take another host's MAC, claim a name registered to another UUID, or come
-- without the UUID a host is stored with, or claim a 2008 appliance's host over XML-RPC). The report is kept as checked, as JSON, to be shown
-- beside the current state and applied if accepted. host_id names the host the claim is about
-- (NULL for a new one); the claim goes with it.

ALTER TABLE hosts ADD COLUMN credential_hash CHAR(64);

CREATE TABLE node_credential_keys (
    id      SMALLINT NOT NULL,
    secret  CHAR(64) NOT NULL,
    CONSTRAINT node_credential_keys_pkey PRIMARY KEY (id),
    CONSTRAINT node_credential_keys_id_check CHECK (id = 1)
);

CREATE TABLE node_claims (
    id               INTEGER NOT NULL,
    kind             VARCHAR(16) NOT NULL,
    hostname         VARCHAR(255) NOT NULL,
    uuid             VARCHAR(36),
    host_id          BIGINT,
    address          VARCHAR(64) NOT NULL,
    via              VARCHAR(16) NOT NULL,
    report           TEXT NOT NULL,
    digest           CHAR(64) NOT NULL,
    credential_hash  CHAR(64),
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT node_claims_pkey PRIMARY KEY (id),
    CONSTRAINT node_claims_digest_key UNIQUE (digest),
    CONSTRAINT node_claims_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT node_claims_kind_check
        CHECK (kind IN ('enrolment', 'rename', 'mac-taken', 'name-taken', 'uuid-missing', 'legacy-host')),
    CONSTRAINT node_claims_via_check CHECK (via IN ('xml-rpc', 'host-browser'))
);
CREATE INDEX ix_node_claims_host_id ON node_claims (host_id);
CREATE INDEX ix_node_claims_credential_hash ON node_claims (credential_hash);
