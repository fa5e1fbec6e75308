"""The schema's shared parts for ``tables`` and ``server_tables``: the one ``MetaData`` every
table is declared in, the id and timestamp types of both databases, and the column groups
several tables repeat."""

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    SmallInteger,
    String,
    func,
    text,
)

metadata = MetaData()

# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
Id = BigInteger().with_variant(Integer(), "sqlite")
# PostgreSQL keeps time zones; SQLite stores UTC text.
Timestamp = DateTime(timezone=True).with_variant(TIMESTAMP(), "sqlite")


def timestamp_columns() -> list[Column]:
    return [
        Column("created_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
        Column("updated_at", Timestamp, nullable=False, server_default=func.current_timestamp()),
    ]


def mtu_and_ipv6() -> list[Column]:
    return [
        Column("mtu", Integer),
        Column("ipv6_method", String(6), nullable=False, server_default="ignore"),
        Column("ipv6_prefix", SmallInteger),
        Column("ipv6_address", String(45)),
    ]


def ipv4(default: str) -> list[Column]:
    return [
        Column("boot_protocol", String(8), nullable=False, server_default=default),
        Column("ip_address", String(15)),
        Column("netmask", String(15)),
        Column("broadcast", String(15)),
    ]


def layer3() -> list[Column]:
    """Per family a gateway and whether the interface holds the default route (sql/022)."""
    return [
        Column("ipv4_gateway", String(15)),
        Column("ipv4_default_route", Boolean, nullable=False, server_default=text("FALSE")),
        Column("ipv6_gateway", String(45)),
        Column("ipv6_default_route", Boolean, nullable=False, server_default=text("FALSE")),
    ]


def host_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["host_id"], ["hosts.id"], name=f"{table}_host_id_fkey", ondelete="CASCADE")


def interface_fks(table: str, references: tuple[tuple[str, str, str], ...]) -> list[ForeignKeyConstraint]:
    """Composite keys of (column, host_id) to an interface row of the same host, each (column,
    referenced table, name part), cascading with it (bridge ports, static routes)."""
    return [
        ForeignKeyConstraint(
            [column, "host_id"],
            [f"{target}.id", f"{target}.host_id"],
            name=f"{table}_{name}_fkey",
            ondelete="CASCADE",
        )
        for column, target, name in references
    ]
