"""SQLAlchemy Core mappings of the logical networks' tables (``sql/023``): the networks, their
attachments to nodes and the addresses those hold. Read ``tables`` for what these mappings are
and are not."""

from sqlalchemy import (
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
    text,
)

from ovirt_node_config.persistence.columns import Id, host_fk, metadata, timestamp_columns

logical_networks = Table(
    "logical_networks",
    metadata,
    Column("id", Id, nullable=False),
    Column("name", String(15), nullable=False),
    Column("vlan_id", SmallInteger),
    Column("mtu", Integer),
    Column("bridged", Boolean, nullable=False),
    Column("document", Text, nullable=False),
    *timestamp_columns(),
    PrimaryKeyConstraint("id", name="logical_networks_pkey"),
    UniqueConstraint("name", name="logical_networks_name_key"),
)

network_attachments = Table(
    "network_attachments",
    metadata,
    Column("id", Id, nullable=False),
    Column("network_id", BigInteger, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    Column("base_nic_id", BigInteger),
    Column("base_bonding_id", BigInteger),
    Column("made_vlan_id", BigInteger),
    Column("made_bridge_id", BigInteger),
    Column("ipv4_mode", String(6), nullable=False),
    Column("ipv6_mode", String(6), nullable=False),
    Column("default_route", Boolean, nullable=False, server_default=text("FALSE")),
    timestamp_columns()[0],
    PrimaryKeyConstraint("id", name="network_attachments_pkey"),
    UniqueConstraint("network_id", "host_id", name="network_attachments_network_id_host_id_key"),
    UniqueConstraint("id", "host_id", name="network_attachments_id_host_id_key"),
    ForeignKeyConstraint(
        ["network_id"],
        ["logical_networks.id"],
        name="network_attachments_network_id_fkey",
        ondelete="RESTRICT",
    ),
    host_fk("network_attachments"),
    ForeignKeyConstraint(
        ["base_nic_id", "host_id"],
        ["nics.id", "nics.host_id"],
        name="network_attachments_base_nic_fkey",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["base_bonding_id", "host_id"],
        ["bondings.id", "bondings.host_id"],
        name="network_attachments_base_bonding_fkey",
        ondelete="CASCADE",
    ),
    ForeignKeyConstraint(
        ["made_vlan_id"], ["vlans.id"], name="network_attachments_made_vlan_fkey", ondelete="SET NULL"
    ),
    ForeignKeyConstraint(
        ["made_bridge_id"], ["bridges.id"], name="network_attachments_made_bridge_fkey", ondelete="SET NULL"
    ),
    Index("ix_network_attachments_host_id", "host_id"),
)

network_addresses = Table(
    "network_addresses",
    metadata,
    Column("id", Id, nullable=False),
    Column("network_id", BigInteger, nullable=False),
    Column("family", SmallInteger, nullable=False),
    Column("address", String(45), nullable=False),
    Column("attachment_id", BigInteger, nullable=False),
    Column("host_id", BigInteger, nullable=False),
    PrimaryKeyConstraint("id", name="network_addresses_pkey"),
    UniqueConstraint(
        "network_id", "family", "address", name="network_addresses_network_id_family_address_key"
    ),
    UniqueConstraint("attachment_id", "family", name="network_addresses_attachment_id_family_key"),
    ForeignKeyConstraint(
        ["network_id"], ["logical_networks.id"], name="network_addresses_network_id_fkey", ondelete="RESTRICT"
    ),
    ForeignKeyConstraint(
        ["attachment_id", "host_id"],
        ["network_attachments.id", "network_attachments.host_id"],
        name="network_addresses_attachment_fkey",
        ondelete="CASCADE",
    ),
    Index("ix_network_addresses_host_id", "host_id"),
)
