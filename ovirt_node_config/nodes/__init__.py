"""The nodes wing: a stored node and every administrator's change to it, one job a module.

- ``lookup``: finding a node by host name or UUID, and its interfaces, bonds and NICs by name;
- ``network_view``: a node's rows as a ``network.Network`` and the file it renders
  (``get_config``'s road, and the preview);
- ``states``: what a node's boot reports leave it in (ok, pending reboot, degraded, ...; the
  names alone: ``state_names``); ``live_checks``: what its checks between boots find (out of
  sync, not checking), and resync;
- ``kept_answers``: the answers kept for its next boot, kept current by every change;
- ``pipeline``: every change goes through ``record_change``: the resulting network held to the
  rules, the audit entry, the kept answers renewed, in the change's one transaction;
- ``bonds`` (bonds and their NICs), ``bond_options`` (the bonding type, a bond's options),
  ``host_networks`` (VLANs, bridges), ``addresses`` (IPv4, IPv6, MTU), ``layer3`` (gateways,
  default routes, static routes, DNS), ``lifecycle`` (the network stack, deletion, credential
  reset): the changes;
- ``reads``: what administrators read (a node shown, its history, the node list).

Inside the wing, arrows point down that list's order: the changes use ``pipeline``, which
uses ``kept_answers``, ``states``, ``network_view`` and ``lookup``.

May import: persistence, inventory, config_file, network and the shared modules; not trust
(who may ask is the boot wing's business). Imported by: logical_networks, fleet, boot, verbs,
console, admin_cli (``state_names`` only), rpc, bench.
"""
