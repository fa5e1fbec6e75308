"""The boot-storm benchmark behind ``ovirt-node-bench``.

``fleet`` invents a reproducible fleet, ``server_process`` runs servers as separate processes,
``load`` drives them from client processes in phases, ``stats`` turns timings into the summary.
"""
