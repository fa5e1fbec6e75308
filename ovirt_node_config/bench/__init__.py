"""The boot-storm benchmark behind ``ovirt-node-bench``.

``fleet`` invents a reproducible fleet, ``server_process`` runs servers as separate processes,
``load`` drives them from client processes in phases, ``stats`` turns timings into the summary;
``planning`` and ``console_pages`` time the fleet planner and the console's pages.

May import: every library room (it measures them) and ``rpc_client``. Imported by:
``scripts/bench.py``.
"""
