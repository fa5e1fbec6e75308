"""SQLAlchemy Core mappings of the tables that ``sql/`` builds: the inventory's here (hosts, CPUs,
NICs, bonds, VLANs, bridges), the server's own (accounts, audit, kept answers, trust, fleet) in
``server_tables``; every one can be imported from here, and ``metadata`` holds them all.

These describe the schema for queries only; they never create anything (``sql/`` is the only
source of the schema). ``tests/ovirt_node_config/persistence/test_tables.py`` proves that their
tables, columns, types, nullability, server defaults, keys and indexes match what the migrations
built, on SQLite and on PostgreSQL; CHECK rules are not declared here (they stay in ``sql/``),
and the test checks each is named ``<table>_<column>_check`` after a column of its table, so a
refusal names the right field. Ids are identities on PostgreSQL and rowid aliases on SQLite.
Constraint names are those of the SQL files, so that a violation can be reported by name.
"""

from sqlalchemy import (
    CHAR,
    BigInteger,
    Boolean,
    Column,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

from ovirt_node_config.persistence.columns import (
    Id,
    Timestamp,
    host_fk,
    interface_fks,
    ipv4,
    layer3,
    metadata,
    mtu_and_ipv6,
    timestamp_columns,
)
from ovirt_node_config.persistence.network_tables import (  # noqa: F401 - one map of the schema
    logical_networks,
    network_addresses,
    network_attachments,
)
from ovirt_node_config.persistence.server_tables import (  # noqa: F401 - one map of the schema
    admin_sessions,
    admins,
    audit_log,
    cached_answers,
    enrolment_buckets,
    host_templates,
    installation_settings,
    legacy_addresses,
    legacy_candidates,
    login_attempts,
    network_templates,
    node_claims,
    node_credential_keys,
    node_registrations,
    refusals,
    rollout_nodes,
    rollouts,
    template_rules,
)

bonding_types = Table(
    "bonding_types",
    metadata,
    Column("id", SmallInteger, nullable=False, autoincrement=False),
    Column("label", String(64), nullable=False),
    Column("mode", SmallInteger, nullable=False),
    PrimaryKeyConstraint("id", name="bonding_types_pkey"),
    UniqueConstraint("label", name="bonding_types_label_key"),
    UniqueConstraint("mode", name="bonding_types_mode_key"),
)

hosts = Table(
    "hosts",
    metadata,
    Column("id", Id, nullable=False),
    Column("hostname", String(255), nullable=False),
    Column("uuid", String(36)),
    Column("arch", String(32), nullable=False),
    Column("memory_mb", BigInteger, nullable=False),
    Column("bonding_type_id", SmallInteger),
    *timestamp_columns(),
    Column("config_version", BigInteger, nullable=False, server_default="0"),
    Column("reported_network_stack", String(7)),
    Column("network_stack_override", String(7)),
    Column("credential_hash", CHAR(64)),
    Column("credential_presented", Boolean, nullable=False, server_default=text("TRUE")),  # sql/027
    Column("agent_version", String(64)),  # sql/028
    Column("last_seen_at", Timestamp),
    Column("last_report_at", Timestamp),
    Column("last_outcome", String(16)),
    Column("last_reason", String(1000)),
    Column("applied_digest", CHAR(64)),
    Column("config_digest", CHAR(64)),
    Column("last_status", Text),
    Column("reported_degraded", Boolean),
    Column("applied_config", Text),
    Column("enrolment_proof", CHAR(64)),  # sql/020
    Column("enrolment_proof_until_ms", BigInteger),
    Column("dns_servers", String(300)),  # sql/022
    Column("dns_search", String(1600)),
    Column("has_routes", Boolean, nullable=False, server_default=text("FALSE")),
    Column("dns_network_id", BigInteger),  # sql/023
    Column("drift", Text),  # sql/024
    Column("drift_since_ms", BigInteger),
    Column("checked_at_ms", BigInteger),
    Column("resync_requested", Boolean, nullable=False, server_default=text("FALSE")),
    Column("check_warnings", Text),  # sql/025
    PrimaryKeyConstraint("id", name="hosts_pkey"),
    UniqueConstraint("hostname", name="hosts_hostname_key"),
    UniqueConstraint("uuid", name="hosts_uuid_key"),
    ForeignKeyConstraint(
        ["bonding_type_id"],
        ["bonding_types.id"],
        name="hosts_bonding_type_id_fkey",
        ondelete="RESTRICT",
    ),
    ForeignKeyConstraint(
        ["dns_network_id"], ["logical_networks.id"], name="hosts_dns_network_fkey", ondelete="SET NULL"
    ),
)

cpus = Table(
    "cpus",
    metadata,
    Column("id", Id, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("cpu_index", Integer, nullable=False),
    Column("vendor", String(128)),
    Column("model_name", String(255)),
    Column("family", Integer),
    Column("model", Integer),
    Column("stepping", Integer),
    Column("speed_mhz", Integer),
    Column("cache_kb", Integer),
    Column("flags", Text),
    PrimaryKeyConstraint("id", name="cpus_pkey"),
    UniqueConstraint("host_id", "cpu_index", name="cpus_host_id_cpu_index_key"),
    host_fk("cpus"),
)

nics = Table(
    "nics",
    metadata,
    Column("id", Id, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("mac", CHAR(17), nullable=False),
    Column("iface_name", String(15), nullable=False),
    Column("bandwidth_mbps", Integer),
    Column("boot_protocol", String(8), nullable=False, server_default="dhcp"),
    Column("ip_address", String(15)),
    Column("netmask", String(15)),
    Column("broadcast", String(15)),
    *timestamp_columns(),
    Column("link_state", String(4)),
    *mtu_and_ipv6(),
    Column("reported_mtu", Integer),
    Column("max_mtu", Integer),
    Column("reported_ipv6", String(800)),
    Column("vendor", String(255)),
    Column("product", String(255)),
    *layer3(),  # sql/022
    PrimaryKeyConstraint("id", name="nics_pkey"),
    UniqueConstraint("mac", name="nics_mac_key"),
    UniqueConstraint("id", "host_id", name="nics_id_host_id_key"),
    host_fk("nics"),
    Index("ix_nics_host_id", "host_id"),
)

bondings = Table(
    "bondings",
    metadata,
    Column("id", Id, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("name", String(64), nullable=False),
    Column("interface_name", String(15), nullable=False),
    Column("boot_protocol", String(8), nullable=False, server_default="dhcp"),
    Column("ip_address", String(15)),
    Column("netmask", String(15)),
    Column("broadcast", String(15)),
    Column("arp_ping_address", String(15)),
    Column("arp_interval_ms", Integer, nullable=False, server_default="0"),
    *timestamp_columns(),
    Column("miimon_ms", Integer),
    Column("updelay_ms", Integer),
    Column("downdelay_ms", Integer),
    Column("arp_validate", String(13)),
    Column("fail_over_mac", String(6)),
    Column("lacp_rate", String(4)),
    Column("xmit_hash_policy", String(11)),
    *mtu_and_ipv6(),
    *layer3(),  # sql/022
    PrimaryKeyConstraint("id", name="bondings_pkey"),
    UniqueConstraint("host_id", "interface_name", name="bondings_host_id_interface_name_key"),
    UniqueConstraint("id", "host_id", name="bondings_id_host_id_key"),
    host_fk("bondings"),
)

bonding_arp_targets = Table(
    "bonding_arp_targets",
    metadata,
    Column("bonding_id", BigInteger, nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("address", String(15), nullable=False),
    PrimaryKeyConstraint("bonding_id", "position", name="bonding_arp_targets_pkey"),
    UniqueConstraint("bonding_id", "address", name="bonding_arp_targets_address_key"),
    ForeignKeyConstraint(
        ["bonding_id"], ["bondings.id"], name="bonding_arp_targets_bonding_fkey", ondelete="CASCADE"
    ),
)

bondings_nics = Table(
    "bondings_nics",
    metadata,
    Column("bonding_id", BigInteger, nullable=False),
    Column("nic_id", BigInteger, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("primary_slave", Boolean),
    PrimaryKeyConstraint("bonding_id", "nic_id", name="bondings_nics_pkey"),
    UniqueConstraint("nic_id", name="bondings_nics_nic_id_key"),
    ForeignKeyConstraint(
        ["bonding_id", "host_id"],
        ["bondings.id", "bondings.host_id"],
        name="bondings_nics_bonding_fkey",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["nic_id", "host_id"],
        ["nics.id", "nics.host_id"],
        name="bondings_nics_nic_fkey",
        ondelete="CASCADE",
    ),
    Index("ix_bondings_nics_host_id", "host_id"),
    Index("ux_bondings_nics_primary_slave", "bonding_id", "primary_slave", unique=True),
)

vlans = Table(
    "vlans",
    metadata,
    Column("id", Id, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("interface_name", String(15), nullable=False),
    Column("vlan_id", SmallInteger, nullable=False),
    Column("parent_nic_id", BigInteger),
    Column("parent_bonding_id", BigInteger),
    Column("mtu", Integer),
    *ipv4("none"),
    *mtu_and_ipv6()[1:],
    *timestamp_columns(),
    *layer3(),  # sql/022
    PrimaryKeyConstraint("id", name="vlans_pkey"),
    UniqueConstraint("host_id", "interface_name", name="vlans_host_id_interface_name_key"),
    UniqueConstraint("id", "host_id", name="vlans_id_host_id_key"),
    UniqueConstraint("parent_nic_id", "vlan_id", name="vlans_parent_nic_id_vlan_id_key"),
    UniqueConstraint("parent_bonding_id", "vlan_id", name="vlans_parent_bonding_id_vlan_id_key"),
    host_fk("vlans"),
    ForeignKeyConstraint(
        ["parent_nic_id", "host_id"],
        ["nics.id", "nics.host_id"],
        name="vlans_parent_nic_fkey",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["parent_bonding_id", "host_id"],
        ["bondings.id", "bondings.host_id"],
        name="vlans_parent_bonding_fkey",
        ondelete="CASCADE",
    ),
    Index("ix_vlans_host_id", "host_id"),
)

bridges = Table(
    "bridges",
    metadata,
    Column("id", Id, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("interface_name", String(15), nullable=False),
    Column("stp", Boolean, nullable=False),
    Column("forward_delay", SmallInteger),
    Column("mtu", Integer),
    *ipv4("dhcp"),
    *mtu_and_ipv6()[1:],
    *timestamp_columns(),
    *layer3(),  # sql/022
    PrimaryKeyConstraint("id", name="bridges_pkey"),
    UniqueConstraint("host_id", "interface_name", name="bridges_host_id_interface_name_key"),
    UniqueConstraint("id", "host_id", name="bridges_id_host_id_key"),
    host_fk("bridges"),
    Index("ix_bridges_host_id", "host_id"),
)

# The interfaces a bridge port or a route may be: (column, table, key name part).
_PORTS = (("nic_id", "nics", "nic"), ("bonding_id", "bondings", "bonding"), ("vlan_id", "vlans", "vlan"))

bridge_ports = Table(
    "bridge_ports",
    metadata,
    Column("id", Id, nullable=False),
    Column("bridge_id", BigInteger, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("nic_id", BigInteger),
    Column("bonding_id", BigInteger),
    Column("vlan_id", BigInteger),
    PrimaryKeyConstraint("id", name="bridge_ports_pkey"),
    UniqueConstraint("nic_id", name="bridge_ports_nic_id_key"),
    UniqueConstraint("bonding_id", name="bridge_ports_bonding_id_key"),
    UniqueConstraint("vlan_id", name="bridge_ports_vlan_id_key"),
    *interface_fks("bridge_ports", (("bridge_id", "bridges", "bridge"), *_PORTS)),
    Index("ix_bridge_ports_host_id", "host_id"),
    Index("ix_bridge_ports_bridge_id", "bridge_id"),
)

static_routes = Table(
    "static_routes",
    metadata,
    Column("id", Id, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("nic_id", BigInteger),
    Column("bonding_id", BigInteger),
    Column("vlan_id", BigInteger),
    Column("bridge_id", BigInteger),
    Column("destination", String(49), nullable=False),
    Column("next_hop", String(45)),
    Column("metric", BigInteger),
    Column("route_table", BigInteger, nullable=False, server_default="0"),
    Column("created_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    Column("attachment_id", BigInteger),  # sql/023: the network attachment that put it there
    PrimaryKeyConstraint("id", name="static_routes_pkey"),
    UniqueConstraint("host_id", "destination", "route_table", name="static_routes_host_id_destination_key"),
    host_fk("static_routes"),
    *interface_fks("static_routes", (*_PORTS, ("bridge_id", "bridges", "bridge"))),
    ForeignKeyConstraint(
        ["attachment_id"],
        ["network_attachments.id"],
        name="static_routes_attachment_fkey",
        ondelete="CASCADE",
    ),
    Index("ix_static_routes_host_id", "host_id"),
)
