"""Persistence: the only place (with ``sql/``) where the project speaks SQL.

``engine`` opens databases and retries, ``migrations`` applies ``sql/``, ``tables`` maps the
migrated schema for SQLAlchemy; the store modules beside them hold the queries, one per room
they serve (``inventory_store`` for identify's sync, ``node_store`` for nodes, ``trust_store``,
``admin_store``, ``answer_store``, ``status_store``, ``fleet_store``, ``rollout_store``);
``one_transaction`` composes use cases on one connection, ``dry_run`` rolls them back.

May import: ``inventory`` and ``network`` (the value types it stores and the sync plan it
writes) and the shared modules. Imported by every room above it.
"""
