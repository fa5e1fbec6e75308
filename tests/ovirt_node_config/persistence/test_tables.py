"""The SQLAlchemy mappings describe the schema that sql/ builds, on both databases: tables,
columns, types, nullability, defaults, keys and indexes; CHECK rules are checked by name."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, DefaultClause, Identity, MetaData, String, inspect

from ovirt_node_config.persistence.failures import check_field
from ovirt_node_config.persistence.tables import metadata


def _differences(engine, target: MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, type_, _parent: (
                    not (type_ == "table" and name == "schema_migrations")
                ),
            },
        )
        diffs = [diff for diff in _flat(compare_metadata(context, target)) if not _an_id_identity(diff)]
        return _without_unnamed_column_keys(diffs) if engine.dialect.name == "sqlite" else diffs


def _without_unnamed_column_keys(diffs: list) -> list:
    """SQLite reports a foreign key added with ALTER TABLE ADD COLUMN (a column constraint: sql/023)
    without its name or ON DELETE rule; such a key, the same columns to the same table as the
    mapping's, is the mapping's (that it cascades: logical_networks/test_attachments.py)."""

    def signature(key) -> tuple:
        return (key.table.name, tuple(c.name for c in key.columns), key.referred_table.name)

    unnamed = {signature(d[1]) for d in diffs if d[0] == "remove_fk" and d[1].name is None}
    named = {signature(d[1]) for d in diffs if d[0] == "add_fk" and d[1].name}
    matched = unnamed & named
    return [d for d in diffs if not (d[0] in ("remove_fk", "add_fk") and signature(d[1]) in matched)]


def _flat(diffs: list) -> list:
    """Alembic groups a column's changes in a list; one entry per change."""
    return [entry for diff in diffs for entry in (diff if isinstance(diff, list) else [diff])]


def _an_id_identity(diff: tuple) -> bool:
    """Ids are identities on PostgreSQL and rowid aliases on SQLite (sql/001); the mappings, which
    never create anything, declare neither."""
    return (
        diff[0] == "modify_default" and diff[3] == "id" and isinstance(diff[5], Identity) and diff[6] is None
    )


def test_mappings_match_the_migrated_schema(engine):
    assert _differences(engine, metadata) == []


def test_mappings_cover_every_migrated_table(engine):
    with engine.connect() as conn:
        names = set(engine.dialect.get_table_names(conn))
    assert names - {"schema_migrations"} == set(metadata.tables)


def test_comparison_notices_a_drifted_mapping(engine):
    """Guards the test above: a mapping that differs from the schema must be reported."""
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["nics"].append_column(Column("speed_duplex", String(8)))
    assert [diff[0] for diff in _differences(engine, drifted)] == ["add_column"]


# Rules over several columns, which a refusal names by the rule's own words.
MULTI_COLUMN_CHECKS = {"bondings_arp_check", "bondings_static_address_check", "nics_static_address_check"}


def test_every_check_rule_names_a_field_a_refusal_can_report(engine):
    """CHECK rules live in sql/ only (the mappings describe columns, types, defaults, keys and
    indexes); each is named ``<table>_<column>_check`` so that a refusal names the column."""
    inspector = inspect(engine)
    found = set()
    for table in metadata.sorted_tables:
        for check in inspector.get_check_constraints(table.name):
            found.add(check["name"])
            if check["name"] not in MULTI_COLUMN_CHECKS:
                assert check_field(check["name"]) in table.columns, check["name"]
    assert found >= MULTI_COLUMN_CHECKS and len(found) >= 30
    assert check_field("bonding_arp_targets_position_check") == "position"
    assert check_field("bondings_nics_primary_slave_check") == "primary_slave"
    assert check_field("nics_static_address_check") == "static_address"


def test_comparison_notices_a_drifted_default(engine):
    drifted = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(drifted)
    drifted.tables["nics"].c.boot_protocol.server_default = DefaultClause("static")
    assert [(diff[0], diff[2], diff[3]) for diff in _differences(engine, drifted)] == [
        ("modify_default", "nics", "boot_protocol")
    ]
