-- The addresses 2008 appliances may speak for a host from (ovirt_node_config/trust/): their
-- host-browser identify and their config GET carry no credential, so they are accepted for a
-- host only from an address an administrator associated with it, here or in the server's
-- --legacy-identify-hosts file. One host name per address. The host need not exist yet: a
-- 2008 node's first identify enrols it.
-- One file for both databases.

CREATE TABLE legacy_addresses (
    address   VARCHAR(64) NOT NULL,
    hostname  VARCHAR(255) NOT NULL,
    CONSTRAINT legacy_addresses_pkey PRIMARY KEY (address),
    CONSTRAINT legacy_addresses_hostname_check CHECK (length(hostname) BETWEEN 1 AND 255)
);
CREATE INDEX ix_legacy_addresses_hostname ON legacy_addresses (hostname);
