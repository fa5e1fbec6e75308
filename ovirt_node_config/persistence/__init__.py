"""Persistence: the only place (with ``sql/``) where the project speaks SQL.

``engine`` opens databases, ``migrations`` applies ``sql/``, ``tables`` maps the migrated schema
for SQLAlchemy; the repository modules beside them hold the queries.
"""
