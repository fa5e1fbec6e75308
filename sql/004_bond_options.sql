-- Every kernel bonding mode, and typed per-bond options (the rules between them and the modes
-- live in ovirt_node_config/bonding.py; these constraints only keep each value in its range).
-- One file for both databases.

-- The three kernel modes the 2008 design left out. The four legacy rows keep their ids, labels
-- and modes; listing by id keeps them first.
INSERT INTO bonding_types (id, label, mode) VALUES
    (5, 'Round Robin', 0),
    (6, 'Adaptive Transmit Load Balancing', 5),
    (7, 'Adaptive Load Balancing', 6);

-- NULL is the kernel's default everywhere. MII monitoring runs at 100 ms when neither miimon
-- nor ARP monitoring is set. ARP monitoring keeps its 2008 columns: arp_interval_ms (0 = off)
-- and arp_ping_address, the first target; further targets are in bonding_arp_targets.
ALTER TABLE bondings ADD COLUMN miimon_ms INTEGER
    CONSTRAINT bondings_miimon_ms_check CHECK (miimon_ms BETWEEN 0 AND 3600000);
ALTER TABLE bondings ADD COLUMN updelay_ms INTEGER
    CONSTRAINT bondings_updelay_ms_check CHECK (updelay_ms BETWEEN 0 AND 3600000);
ALTER TABLE bondings ADD COLUMN downdelay_ms INTEGER
    CONSTRAINT bondings_downdelay_ms_check CHECK (downdelay_ms BETWEEN 0 AND 3600000);
ALTER TABLE bondings ADD COLUMN arp_validate VARCHAR(13)
    CONSTRAINT bondings_arp_validate_check CHECK (arp_validate IN
        ('none', 'active', 'backup', 'all', 'filter', 'filter_active', 'filter_backup'));
ALTER TABLE bondings ADD COLUMN fail_over_mac VARCHAR(6)
    CONSTRAINT bondings_fail_over_mac_check CHECK (fail_over_mac IN ('none', 'active', 'follow'));
ALTER TABLE bondings ADD COLUMN lacp_rate VARCHAR(4)
    CONSTRAINT bondings_lacp_rate_check CHECK (lacp_rate IN ('slow', 'fast'));
ALTER TABLE bondings ADD COLUMN xmit_hash_policy VARCHAR(11)
    CONSTRAINT bondings_xmit_hash_policy_check CHECK (xmit_hash_policy IN
        ('layer2', 'layer2+3', 'layer3+4', 'encap2+3', 'encap3+4', 'vlan+srcmac'));

-- ARP targets after the first (arp_ping_address), in the order the administrator gave them:
-- positions 2 to 16, the kernel's limit.
CREATE TABLE bonding_arp_targets (
    bonding_id  BIGINT NOT NULL,
    position    SMALLINT NOT NULL,
    address     VARCHAR(15) NOT NULL,
    CONSTRAINT bonding_arp_targets_pkey PRIMARY KEY (bonding_id, position),
    CONSTRAINT bonding_arp_targets_address_key UNIQUE (bonding_id, address),
    CONSTRAINT bonding_arp_targets_bonding_fkey FOREIGN KEY (bonding_id)
        REFERENCES bondings (id) ON DELETE CASCADE,
    CONSTRAINT bonding_arp_targets_position_check CHECK (position BETWEEN 2 AND 16)
);

-- The primary slave is marked on its membership, so it is always one of the bond's slaves and
-- goes when its NIC leaves the bond; it is named at render time as the node names it now.
-- TRUE or NULL: NULLs are distinct, so the unique index allows one primary per bond.
ALTER TABLE bondings_nics ADD COLUMN primary_slave BOOLEAN
    CONSTRAINT bondings_nics_primary_slave_check CHECK (primary_slave);
CREATE UNIQUE INDEX ux_bondings_nics_primary_slave ON bondings_nics (bonding_id, primary_slave);
