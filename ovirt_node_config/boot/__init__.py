"""The boot wing: what the server does for each call a node makes at boot, one module per node
method (``identify``, ``get_config``, ``report_status``, ``report_check``). Each is a short composition of the
rooms below it, called in this order: who the caller is and what is held (``trust``), the
inventory's sync (``persistence.inventory_store``), a new node's template (``fleet.catalogue``),
the answers kept for its next boot (``nodes.kept_answers``), the file (``nodes.network_view``)
and the rollouts a boot report moves on (``fleet.rollout``).

May import: every room below it (trust, nodes, fleet, inventory, persistence, network) and the
shared top-level modules. Imported by: ``rpc`` only (its node methods and the 2008 listener).
"""
