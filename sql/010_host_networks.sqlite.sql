-- SQLite variant of 010_host_networks.postgres.sql (INTEGER ids, TIMESTAMP). Keep the two in step.
-- Host networks (ovirt_node_config/network/): VLANs, bridges and their ports, MTU and IPv6 on
-- every interface. The rules between interfaces live in network/rules.py; these constraints keep
-- each value in its range and every reference inside one host (composite host keys, as for
-- bond slaves), so the database itself refuses a port or a parent of another host.
--
-- IPv6 on any interface: ipv6_method 'ignore' (none), 'auto' (SLAAC), 'dhcp' (DHCPv6) or
-- 'static' (ipv6_address/ipv6_prefix). mtu NULL: the kernel's default.

ALTER TABLE nics ADD COLUMN mtu INTEGER CONSTRAINT nics_mtu_check CHECK (mtu BETWEEN 68 AND 65535);
ALTER TABLE nics ADD COLUMN ipv6_method VARCHAR(6) NOT NULL DEFAULT 'ignore'
    CONSTRAINT nics_ipv6_method_check CHECK (ipv6_method IN ('ignore', 'auto', 'dhcp', 'static'));
ALTER TABLE nics ADD COLUMN ipv6_prefix SMALLINT
    CONSTRAINT nics_ipv6_prefix_check CHECK (ipv6_prefix BETWEEN 1 AND 128);
ALTER TABLE nics ADD COLUMN ipv6_address VARCHAR(45)
    CONSTRAINT nics_ipv6_address_check
        CHECK (ipv6_method <> 'static' OR (ipv6_address IS NOT NULL AND ipv6_prefix IS NOT NULL));

ALTER TABLE bondings ADD COLUMN mtu INTEGER CONSTRAINT bondings_mtu_check CHECK (mtu BETWEEN 68 AND 65535);
ALTER TABLE bondings ADD COLUMN ipv6_method VARCHAR(6) NOT NULL DEFAULT 'ignore'
    CONSTRAINT bondings_ipv6_method_check CHECK (ipv6_method IN ('ignore', 'auto', 'dhcp', 'static'));
ALTER TABLE bondings ADD COLUMN ipv6_prefix SMALLINT
    CONSTRAINT bondings_ipv6_prefix_check CHECK (ipv6_prefix BETWEEN 1 AND 128);
ALTER TABLE bondings ADD COLUMN ipv6_address VARCHAR(45)
    CONSTRAINT bondings_ipv6_address_check
        CHECK (ipv6_method <> 'static' OR (ipv6_address IS NOT NULL AND ipv6_prefix IS NOT NULL));

-- A VLAN sits on a NIC or a bond of its host: exactly one parent.
CREATE TABLE vlans (
    id                 INTEGER NOT NULL,
    host_id            BIGINT NOT NULL,
    interface_name     VARCHAR(15) NOT NULL,
    vlan_id            SMALLINT NOT NULL,
    parent_nic_id      BIGINT,
    parent_bonding_id  BIGINT,
    mtu                INTEGER,
    boot_protocol      VARCHAR(8) NOT NULL DEFAULT 'none',
    ip_address         VARCHAR(15),
    netmask            VARCHAR(15),
    broadcast          VARCHAR(15),
    ipv6_method        VARCHAR(6) NOT NULL DEFAULT 'ignore',
    ipv6_address       VARCHAR(45),
    ipv6_prefix        SMALLINT,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT vlans_pkey PRIMARY KEY (id),
    CONSTRAINT vlans_host_id_interface_name_key UNIQUE (host_id, interface_name),
    CONSTRAINT vlans_id_host_id_key UNIQUE (id, host_id),
    CONSTRAINT vlans_parent_nic_id_vlan_id_key UNIQUE (parent_nic_id, vlan_id),
    CONSTRAINT vlans_parent_bonding_id_vlan_id_key UNIQUE (parent_bonding_id, vlan_id),
    CONSTRAINT vlans_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT vlans_parent_nic_fkey FOREIGN KEY (parent_nic_id, host_id)
        REFERENCES nics (id, host_id) ON DELETE CASCADE,
    CONSTRAINT vlans_parent_bonding_fkey FOREIGN KEY (parent_bonding_id, host_id)
        REFERENCES bondings (id, host_id) ON DELETE CASCADE,
    CONSTRAINT vlans_interface_name_check CHECK (length(interface_name) BETWEEN 1 AND 15),
    CONSTRAINT vlans_vlan_id_check CHECK (vlan_id BETWEEN 1 AND 4094),
    CONSTRAINT vlans_parent_nic_id_check
        CHECK ((parent_nic_id IS NULL) <> (parent_bonding_id IS NULL)),
    CONSTRAINT vlans_mtu_check CHECK (mtu BETWEEN 68 AND 65535),
    CONSTRAINT vlans_boot_protocol_check CHECK (boot_protocol IN ('dhcp', 'static', 'none')),
    CONSTRAINT vlans_ip_address_check
        CHECK (boot_protocol <> 'static' OR (ip_address IS NOT NULL AND netmask IS NOT NULL)),
    CONSTRAINT vlans_ipv6_method_check CHECK (ipv6_method IN ('ignore', 'auto', 'dhcp', 'static')),
    CONSTRAINT vlans_ipv6_prefix_check CHECK (ipv6_prefix BETWEEN 1 AND 128),
    CONSTRAINT vlans_ipv6_address_check
        CHECK (ipv6_method <> 'static' OR (ipv6_address IS NOT NULL AND ipv6_prefix IS NOT NULL))
);
CREATE INDEX ix_vlans_host_id ON vlans (host_id);

CREATE TABLE bridges (
    id              INTEGER NOT NULL,
    host_id         BIGINT NOT NULL,
    interface_name  VARCHAR(15) NOT NULL,
    stp             BOOLEAN NOT NULL,
    forward_delay   SMALLINT,
    mtu             INTEGER,
    boot_protocol   VARCHAR(8) NOT NULL DEFAULT 'dhcp',
    ip_address      VARCHAR(15),
    netmask         VARCHAR(15),
    broadcast       VARCHAR(15),
    ipv6_method     VARCHAR(6) NOT NULL DEFAULT 'ignore',
    ipv6_address    VARCHAR(45),
    ipv6_prefix     SMALLINT,
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT bridges_pkey PRIMARY KEY (id),
    CONSTRAINT bridges_host_id_interface_name_key UNIQUE (host_id, interface_name),
    CONSTRAINT bridges_id_host_id_key UNIQUE (id, host_id),
    CONSTRAINT bridges_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT bridges_interface_name_check CHECK (length(interface_name) BETWEEN 1 AND 15),
    CONSTRAINT bridges_forward_delay_check CHECK (forward_delay BETWEEN 2 AND 30),
    CONSTRAINT bridges_mtu_check CHECK (mtu BETWEEN 68 AND 65535),
    CONSTRAINT bridges_boot_protocol_check CHECK (boot_protocol IN ('dhcp', 'static', 'none')),
    CONSTRAINT bridges_ip_address_check
        CHECK (boot_protocol <> 'static' OR (ip_address IS NOT NULL AND netmask IS NOT NULL)),
    CONSTRAINT bridges_ipv6_method_check CHECK (ipv6_method IN ('ignore', 'auto', 'dhcp', 'static')),
    CONSTRAINT bridges_ipv6_prefix_check CHECK (ipv6_prefix BETWEEN 1 AND 128),
    CONSTRAINT bridges_ipv6_address_check
        CHECK (ipv6_method <> 'static' OR (ipv6_address IS NOT NULL AND ipv6_prefix IS NOT NULL))
);
CREATE INDEX ix_bridges_host_id ON bridges (host_id);

-- A bridge's ports: each a NIC, a bond or a VLAN of the bridge's host, in at most one bridge.
CREATE TABLE bridge_ports (
    id          INTEGER NOT NULL,
    bridge_id   BIGINT NOT NULL,
    host_id     BIGINT NOT NULL,
    nic_id      BIGINT,
    bonding_id  BIGINT,
    vlan_id     BIGINT,
    CONSTRAINT bridge_ports_pkey PRIMARY KEY (id),
    CONSTRAINT bridge_ports_nic_id_key UNIQUE (nic_id),
    CONSTRAINT bridge_ports_bonding_id_key UNIQUE (bonding_id),
    CONSTRAINT bridge_ports_vlan_id_key UNIQUE (vlan_id),
    CONSTRAINT bridge_ports_bridge_fkey FOREIGN KEY (bridge_id, host_id)
        REFERENCES bridges (id, host_id) ON DELETE CASCADE,
    CONSTRAINT bridge_ports_nic_fkey FOREIGN KEY (nic_id, host_id)
        REFERENCES nics (id, host_id) ON DELETE CASCADE,
    CONSTRAINT bridge_ports_bonding_fkey FOREIGN KEY (bonding_id, host_id)
        REFERENCES bondings (id, host_id) ON DELETE CASCADE,
    CONSTRAINT bridge_ports_vlan_fkey FOREIGN KEY (vlan_id, host_id)
        REFERENCES vlans (id, host_id) ON DELETE CASCADE,
    CONSTRAINT bridge_ports_nic_id_check CHECK (
        (CASE WHEN nic_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN bonding_id IS NULL THEN 0 ELSE 1 END)
        + (CASE WHEN vlan_id IS NULL THEN 0 ELSE 1 END) = 1)
);
CREATE INDEX ix_bridge_ports_host_id ON bridge_ports (host_id);
CREATE INDEX ix_bridge_ports_bridge_id ON bridge_ports (bridge_id);
