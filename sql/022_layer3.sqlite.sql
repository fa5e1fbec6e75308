-- SQLite variant of 022_layer3.postgres.sql (INTEGER ids, TIMESTAMP). Keep the two in step.
-- Layer 3 beyond an interface's address (network/model.py, network/rules.py): per interface and
-- family a gateway and whether the interface holds that family's default route; per host its
-- resolver (name servers and search domains, comma-separated in order); each interface's static
-- routes (static_routes: destination prefix in normal form, next hop or NULL for on-link, metric
-- or NULL for the stack's default, table 0 for main). The rules between them live in
-- network/rules.py; these constraints keep values in range and every route on one interface of
-- its own host (composite host keys, as for bridge ports). hosts.has_routes tells the reader
-- whether to ask for routes at all (set by the route writes; a NIC deleted by a report may leave
-- it true with none, which costs one empty query).

ALTER TABLE nics ADD COLUMN ipv4_gateway VARCHAR(15);
ALTER TABLE nics ADD COLUMN ipv4_default_route BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE nics ADD COLUMN ipv6_gateway VARCHAR(45);
ALTER TABLE nics ADD COLUMN ipv6_default_route BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE bondings ADD COLUMN ipv4_gateway VARCHAR(15);
ALTER TABLE bondings ADD COLUMN ipv4_default_route BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE bondings ADD COLUMN ipv6_gateway VARCHAR(45);
ALTER TABLE bondings ADD COLUMN ipv6_default_route BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE vlans ADD COLUMN ipv4_gateway VARCHAR(15);
ALTER TABLE vlans ADD COLUMN ipv4_default_route BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE vlans ADD COLUMN ipv6_gateway VARCHAR(45);
ALTER TABLE vlans ADD COLUMN ipv6_default_route BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE bridges ADD COLUMN ipv4_gateway VARCHAR(15);
ALTER TABLE bridges ADD COLUMN ipv4_default_route BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE bridges ADD COLUMN ipv6_gateway VARCHAR(45);
ALTER TABLE bridges ADD COLUMN ipv6_default_route BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE hosts ADD COLUMN dns_servers VARCHAR(300);
ALTER TABLE hosts ADD COLUMN dns_search VARCHAR(1600);
ALTER TABLE hosts ADD COLUMN has_routes BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE static_routes (
    id           INTEGER NOT NULL,
    host_id      BIGINT NOT NULL,
    nic_id       BIGINT,
    bonding_id   BIGINT,
    vlan_id      BIGINT,
    bridge_id    BIGINT,
    destination  VARCHAR(49) NOT NULL,
    next_hop     VARCHAR(45),
    metric       BIGINT,
    route_table  BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT static_routes_pkey PRIMARY KEY (id),
    CONSTRAINT static_routes_host_id_destination_key UNIQUE (host_id, destination, route_table),
    CONSTRAINT static_routes_host_id_fkey FOREIGN KEY (host_id) REFERENCES hosts (id) ON DELETE CASCADE,
    CONSTRAINT static_routes_nic_fkey FOREIGN KEY (nic_id, host_id)
        REFERENCES nics (id, host_id) ON DELETE CASCADE,
    CONSTRAINT static_routes_bonding_fkey FOREIGN KEY (bonding_id, host_id)
        REFERENCES bondings (id, host_id) ON DELETE CASCADE,
    CONSTRAINT static_routes_vlan_fkey FOREIGN KEY (vlan_id, host_id)
        REFERENCES vlans (id, host_id) ON DELETE CASCADE,
    CONSTRAINT static_routes_bridge_fkey FOREIGN KEY (bridge_id, host_id)
        REFERENCES bridges (id, host_id) ON DELETE CASCADE,
    CONSTRAINT static_routes_nic_id_check CHECK (
        (CASE WHEN nic_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN bonding_id IS NULL THEN 0 ELSE 1 END)
        + (CASE WHEN vlan_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN bridge_id IS NULL THEN 0 ELSE 1 END) = 1),
    CONSTRAINT static_routes_metric_check CHECK (metric BETWEEN 0 AND 4294967295),
    CONSTRAINT static_routes_route_table_check
        CHECK (route_table BETWEEN 0 AND 4294967295 AND route_table NOT IN (253, 254, 255))
);
CREATE INDEX ix_static_routes_host_id ON static_routes (host_id);
