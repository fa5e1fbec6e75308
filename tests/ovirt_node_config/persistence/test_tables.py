"""The SQLAlchemy mappings describe exactly the schema that sql/ builds, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String

from ovirt_node_config.persistence.tables import metadata


def _differences(engine, target: MetaData) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, _parent: (
                    not (type_ == "table" and name == "schema_migrations")
                ),
            },
        )
        return compare_metadata(context, target)


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
