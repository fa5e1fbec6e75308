"""The administrators' command line (``ovirt-node-admin``): its subcommands, each calling one
verb of ``verbs.table`` over XML-RPC (``commands``), what it keeps (``session_file``), what it
prints (``output``), its exit codes (``outcomes``) and its changes over many nodes (``bulk``).

May import: ``verbs.table`` (the declarations only: it runs on an administrator's machine and
decides nothing), ``network.bonding``'s option names, and the shared modules. Imported by:
``scripts/admin.py``.
"""
