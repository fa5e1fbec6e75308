"""What nodes report, and what a report changes: ``report`` reads an ``identify`` report (the
modern struct, the 2008 keys, or ``lshw -xml`` through ``lshw``), ``legacy`` what the 2008
appliances send otherwise (the host-browser session, the config query), ``sync_plan`` the pure
rules of a sync (which host a report is about, which NICs are added, changed, moved or
removed) and the stored state they read. Pure: the store that reads and writes them is
``persistence.inventory_store``.

May import: ``network`` (a bond's minimum of slaves) and the shared modules. Imported by
persistence and every room above it.
"""
