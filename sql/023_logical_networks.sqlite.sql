-- SQLite variant of 023_logical_networks.postgres.sql (INTEGER ids, TIMESTAMP). Keep the two in step.
-- Logical networks (ovirt_node_config/logical_networks/): a network defined once (its name, VLAN,
-- MTU, whether it is bridged for VMs, and per family its subnet, gateway, DNS, routes and address
-- pool, kept whole as the canonical JSON document logical_networks/definition.py reads) and
-- attached to a node's NIC or bond. An attachment remembers what it made on the node (the VLAN
-- and the bridge it implies, by row) and how its interface is addressed; the addresses it holds
-- are rows of network_addresses, unique per network and family: the database itself refuses one
-- address given twice, however many servers allocate at once. The routes an attachment put on
-- the node are static_routes rows with its attachment_id (they go with it), and a node whose
-- resolver came from a network says which (hosts.dns_network_id). A network is not deleted while
-- attached (RESTRICT); an attachment goes with its host or the NIC or bond it sits on (CASCADE).

CREATE TABLE logical_networks (
    id          INTEGER NOT NULL,
    name        VARCHAR(15) NOT NULL,
    vlan_id     SMALLINT,
    mtu         INTEGER,
    bridged     BOOLEAN NOT NULL,
    document    TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT logical_networks_pkey PRIMARY KEY (id),
    CONSTRAINT logical_networks_name_key UNIQUE (name),
    CONSTRAINT logical_networks_vlan_id_check CHECK (vlan_id BETWEEN 1 AND 4094),
    CONSTRAINT logical_networks_mtu_check CHECK (mtu BETWEEN 68 AND 65535)
);

CREATE TABLE network_attachments (
    id                INTEGER NOT NULL,
    network_id        BIGINT NOT NULL,
    host_id           BIGINT NOT NULL,
    base_nic_id       BIGINT,
    base_bonding_id   BIGINT,
    made_vlan_id      BIGINT,
    made_bridge_id    BIGINT,
    ipv4_mode         VARCHAR(6) NOT NULL,
    ipv6_mode         VARCHAR(6) NOT NULL,
    default_route     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT network_attachments_pkey PRIMARY KEY (id),
    CONSTRAINT network_attachments_network_id_host_id_key UNIQUE (network_id, host_id),
    CONSTRAINT network_attachments_id_host_id_key UNIQUE (id, host_id),
    CONSTRAINT network_attachments_network_id_fkey FOREIGN KEY (network_id)
        REFERENCES logical_networks (id) ON DELETE RESTRICT,
    CONSTRAINT network_attachments_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT network_attachments_base_nic_fkey FOREIGN KEY (base_nic_id, host_id)
        REFERENCES nics (id, host_id) ON DELETE CASCADE,
    CONSTRAINT network_attachments_base_bonding_fkey FOREIGN KEY (base_bonding_id, host_id)
        REFERENCES bondings (id, host_id) ON DELETE CASCADE,
    CONSTRAINT network_attachments_made_vlan_fkey FOREIGN KEY (made_vlan_id) REFERENCES vlans (id) ON DELETE SET NULL,
    CONSTRAINT network_attachments_made_bridge_fkey FOREIGN KEY (made_bridge_id)
        REFERENCES bridges (id) ON DELETE SET NULL,
    CONSTRAINT network_attachments_base_nic_id_check CHECK ((base_nic_id IS NULL) <> (base_bonding_id IS NULL)),
    CONSTRAINT network_attachments_ipv4_mode_check CHECK (ipv4_mode IN ('pool', 'static', 'dhcp', 'none')),
    CONSTRAINT network_attachments_ipv6_mode_check CHECK (ipv6_mode IN ('pool', 'static', 'dhcp', 'auto', 'none'))
);
CREATE INDEX ix_network_attachments_host_id ON network_attachments (host_id);

CREATE TABLE network_addresses (
    id             INTEGER NOT NULL,
    network_id     BIGINT NOT NULL,
    family         SMALLINT NOT NULL,
    address        VARCHAR(45) NOT NULL,
    attachment_id  BIGINT NOT NULL,
    host_id        BIGINT NOT NULL,
    CONSTRAINT network_addresses_pkey PRIMARY KEY (id),
    CONSTRAINT network_addresses_network_id_family_address_key UNIQUE (network_id, family, address),
    CONSTRAINT network_addresses_attachment_id_family_key UNIQUE (attachment_id, family),
    CONSTRAINT network_addresses_network_id_fkey FOREIGN KEY (network_id)
        REFERENCES logical_networks (id) ON DELETE RESTRICT,
    CONSTRAINT network_addresses_attachment_fkey FOREIGN KEY (attachment_id, host_id)
        REFERENCES network_attachments (id, host_id) ON DELETE CASCADE,
    CONSTRAINT network_addresses_family_check CHECK (family IN (4, 6))
);
CREATE INDEX ix_network_addresses_host_id ON network_addresses (host_id);

ALTER TABLE static_routes ADD COLUMN attachment_id BIGINT
    CONSTRAINT static_routes_attachment_fkey REFERENCES network_attachments (id) ON DELETE CASCADE;
ALTER TABLE hosts ADD COLUMN dns_network_id BIGINT
    CONSTRAINT hosts_dns_network_fkey REFERENCES logical_networks (id) ON DELETE SET NULL;
