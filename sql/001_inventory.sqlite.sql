-- SQLite variant of 001_inventory.postgres.sql: ids are INTEGER (rowid aliases, auto-numbered),
-- timestamps are TIMESTAMP (UTC text), and the MAC check uses GLOB. Keep the two in step.
-- The node inventory: hosts, their CPUs and NICs, bonding types and bonds.
-- Table and column names follow the legacy oVirt server schema so operators' SQL keeps working.
-- Constraints are named: the code turns a violation of one into a message naming the rule.

CREATE TABLE bonding_types (
    id     SMALLINT NOT NULL,
    label  VARCHAR(64) NOT NULL,
    mode   SMALLINT NOT NULL,
    CONSTRAINT bonding_types_pkey PRIMARY KEY (id),
    CONSTRAINT bonding_types_label_key UNIQUE (label),
    CONSTRAINT bonding_types_mode_key UNIQUE (mode),
    CONSTRAINT bonding_types_mode_check CHECK (mode BETWEEN 0 AND 6)
);

INSERT INTO bonding_types (id, label, mode) VALUES
    (1, 'Load Balancing', 2),
    (2, 'Failover', 1),
    (3, 'Broadcast', 3),
    (4, 'Link Aggregation', 4);

CREATE TABLE hosts (
    id               INTEGER NOT NULL,
    hostname         VARCHAR(255) NOT NULL,
    uuid             VARCHAR(36),
    arch             VARCHAR(32) NOT NULL,
    memory_mb        BIGINT NOT NULL,
    bonding_type_id  SMALLINT,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT hosts_pkey PRIMARY KEY (id),
    CONSTRAINT hosts_hostname_key UNIQUE (hostname),
    CONSTRAINT hosts_uuid_key UNIQUE (uuid),
    CONSTRAINT hosts_bonding_type_id_fkey FOREIGN KEY (bonding_type_id)
        REFERENCES bonding_types (id) ON DELETE RESTRICT,
    CONSTRAINT hosts_hostname_check CHECK (length(hostname) BETWEEN 1 AND 255),
    CONSTRAINT hosts_uuid_check CHECK (uuid = lower(uuid) AND length(uuid) = 36),
    CONSTRAINT hosts_memory_mb_check CHECK (memory_mb >= 0)
);

CREATE TABLE cpus (
    id          INTEGER NOT NULL,
    host_id     BIGINT NOT NULL,
    cpu_index   INTEGER NOT NULL,
    vendor      VARCHAR(128),
    model_name  VARCHAR(255),
    family      INTEGER,
    model       INTEGER,
    stepping    INTEGER,
    speed_mhz   INTEGER,
    cache_kb    INTEGER,
    flags       TEXT,
    CONSTRAINT cpus_pkey PRIMARY KEY (id),
    CONSTRAINT cpus_host_id_cpu_index_key UNIQUE (host_id, cpu_index),
    CONSTRAINT cpus_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT cpus_cpu_index_check CHECK (cpu_index >= 0),
    CONSTRAINT cpus_speed_mhz_check CHECK (speed_mhz >= 0),
    CONSTRAINT cpus_cache_kb_check CHECK (cache_kb >= 0)
);

CREATE TABLE nics (
    id              INTEGER NOT NULL,
    host_id         BIGINT NOT NULL,
    mac             CHAR(17) NOT NULL,
    iface_name      VARCHAR(15) NOT NULL,
    bandwidth_mbps  INTEGER,
    boot_protocol   VARCHAR(8) NOT NULL DEFAULT 'dhcp',
    ip_address      VARCHAR(15),
    netmask         VARCHAR(15),
    broadcast       VARCHAR(15),
    created_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT nics_pkey PRIMARY KEY (id),
    CONSTRAINT nics_mac_key UNIQUE (mac),
    CONSTRAINT nics_id_host_id_key UNIQUE (id, host_id),
    CONSTRAINT nics_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT nics_mac_check
        CHECK (mac = lower(mac)
             AND mac GLOB '[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]:[0-9a-f][0-9a-f]'),
    CONSTRAINT nics_iface_name_check CHECK (length(iface_name) BETWEEN 1 AND 15),
    CONSTRAINT nics_bandwidth_mbps_check CHECK (bandwidth_mbps >= 0),
    CONSTRAINT nics_boot_protocol_check CHECK (boot_protocol IN ('dhcp', 'static', 'none')),
    CONSTRAINT nics_static_address_check
        CHECK (boot_protocol <> 'static' OR (ip_address IS NOT NULL AND netmask IS NOT NULL))
);
CREATE INDEX ix_nics_host_id ON nics (host_id);

CREATE TABLE bondings (
    id                INTEGER NOT NULL,
    host_id           BIGINT NOT NULL,
    name              VARCHAR(64) NOT NULL,
    interface_name    VARCHAR(15) NOT NULL,
    boot_protocol     VARCHAR(8) NOT NULL DEFAULT 'dhcp',
    ip_address        VARCHAR(15),
    netmask           VARCHAR(15),
    broadcast         VARCHAR(15),
    arp_ping_address  VARCHAR(15),
    arp_interval_ms   INTEGER NOT NULL DEFAULT 0,
    created_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT bondings_pkey PRIMARY KEY (id),
    CONSTRAINT bondings_host_id_interface_name_key UNIQUE (host_id, interface_name),
    CONSTRAINT bondings_id_host_id_key UNIQUE (id, host_id),
    CONSTRAINT bondings_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT bondings_name_check CHECK (length(name) BETWEEN 1 AND 64),
    CONSTRAINT bondings_interface_name_check CHECK (length(interface_name) BETWEEN 1 AND 15),
    CONSTRAINT bondings_boot_protocol_check CHECK (boot_protocol IN ('dhcp', 'static', 'none')),
    CONSTRAINT bondings_static_address_check
        CHECK (boot_protocol <> 'static' OR (ip_address IS NOT NULL AND netmask IS NOT NULL)),
    CONSTRAINT bondings_arp_interval_ms_check CHECK (arp_interval_ms BETWEEN 0 AND 3600000),
    CONSTRAINT bondings_arp_check CHECK (arp_interval_ms = 0 OR arp_ping_address IS NOT NULL)
);

-- Membership carries host_id so that the database itself refuses a NIC of another host.
CREATE TABLE bondings_nics (
    bonding_id  BIGINT NOT NULL,
    nic_id      BIGINT NOT NULL,
    host_id     BIGINT NOT NULL,
    CONSTRAINT bondings_nics_pkey PRIMARY KEY (bonding_id, nic_id),
    CONSTRAINT bondings_nics_nic_id_key UNIQUE (nic_id),
    CONSTRAINT bondings_nics_bonding_fkey FOREIGN KEY (bonding_id, host_id)
        REFERENCES bondings (id, host_id) ON DELETE CASCADE,
    CONSTRAINT bondings_nics_nic_fkey FOREIGN KEY (nic_id, host_id)
        REFERENCES nics (id, host_id) ON DELETE CASCADE
);
CREATE INDEX ix_bondings_nics_host_id ON bondings_nics (host_id);
